/// The strict RFC 8259 parser behind `JSONValue(parsing:)`.
///
/// It keeps open arrays and objects on an explicit stack instead of recursing, so no input
/// can exhaust the call stack; `maximumDepth` bounds the stack (and the depth of the values
/// it returns, whose destruction does recurse).
struct JSONParser {
    private let bytes: [UInt8]
    private let maximumDepth: Int
    /// Where the text starts: after a UTF-8 byte order mark, which RFC 8259 lets parsers skip.
    private let start: Int
    private var index: Int

    /// An array or object whose closing bracket is still to come.
    private struct OpenContainer {
        let isObject: Bool
        var elements: [JSONValue] = []
        var members: [String: JSONValue] = [:]
        /// The key of the member whose value is being read.
        var key = ""
    }

    init(_ bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        index = start
    }

    /// Parses the whole text as one value, with nothing but whitespace around it.
    mutating func parse() throws(JSONError) -> JSONValue {
        var stack: [OpenContainer] = []
        readValue: while true {
            skipWhitespace()
            guard index < bytes.count else {
                throw error(
                    .unexpectedEnd, stack.isEmpty ? "the text is empty" : "the text ends where a value should start")
            }
            var value: JSONValue
            switch bytes[index] {
            case UInt8(ascii: "{"):
                try checkDepth(stack.count)
                index += 1
                skipWhitespace()
                if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    value = .object([:])
                } else {
                    var object = OpenContainer(isObject: true)
                    object.key = try readKey(notIn: object.members, expected: "a string key or '}'")
                    stack.append(object)
                    continue readValue
                }
            case UInt8(ascii: "["):
                try checkDepth(stack.count)
                index += 1
                skipWhitespace()
                if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    stack.append(OpenContainer(isObject: false))
                    continue readValue
                }
            case UInt8(ascii: "\""):
                value = .string(try readString())
            case UInt8(ascii: "t"):
                try readLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try readLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try readLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try readNumber())
            default:
                throw error(.unexpectedCharacter, "expected a value, found \(found())")
            }
            // Store the value in the innermost open container; close every container it completes.
            while true {
                skipWhitespace()
                guard let top = stack.indices.last else {
                    guard index == bytes.count else {
                        throw error(.trailingData, "expected the end of the text after the value, found \(found())")
                    }
                    return value
                }
                let isObject = stack[top].isObject
                if isObject {
                    let key = stack[top].key
                    stack[top].members[key] = value
                } else {
                    stack[top].elements.append(value)
                }
                let closing = isObject ? "}" : "]"
                guard index < bytes.count else {
                    throw error(
                        .unexpectedEnd,
                        "the text ends inside \(isObject ? "an object" : "an array"); expected ',' or '\(closing)'")
                }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    if isObject {
                        skipWhitespace()
                        stack[top].key = try readKey(notIn: stack[top].members, expected: "a string key")
                    }
                    continue readValue
                }
                guard bytes[index] == UInt8(ascii: isObject ? "}" : "]") else {
                    throw error(.unexpectedCharacter, "expected ',' or '\(closing)', found \(found())")
                }
                index += 1
                let container = stack.removeLast()
                value = isObject ? .object(container.members) : .array(container.elements)
            }
        }
    }

    private func checkDepth(_ depth: Int) throws(JSONError) {
        guard depth < maximumDepth else {
            throw error(.tooDeep, "arrays and objects are nested more than \(maximumDepth) deep")
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    /// Reads `"key" :` and the whitespace after it.
    private mutating func readKey(notIn members: [String: JSONValue], expected: String) throws(JSONError) -> String {
        guard index < bytes.count else {
            throw error(.unexpectedEnd, "the text ends inside an object; expected \(expected)")
        }
        guard bytes[index] == UInt8(ascii: "\"") else {
            throw error(.unexpectedCharacter, "expected \(expected), found \(found())")
        }
        let keyOffset = index
        let key = try readString()
        guard members[key] == nil else {
            throw error(.duplicateKey, "the key \"\(key)\" appears twice in one object", at: keyOffset)
        }
        skipWhitespace()
        guard index < bytes.count else { throw error(.unexpectedEnd, "the text ends after a key; expected ':'") }
        guard bytes[index] == UInt8(ascii: ":") else {
            throw error(.unexpectedCharacter, "expected ':' after the key, found \(found())")
        }
        index += 1
        return key
    }

    /// Reads `true`, `false` or `null`.
    private mutating func readLiteral(_ literal: String) throws(JSONError) {
        let literalStart = index
        for expected in literal.utf8 {
            guard index < bytes.count else { throw error(.unexpectedEnd, "the text ends inside `\(literal)`") }
            guard bytes[index] == expected else {
                throw error(
                    .unexpectedCharacter,
                    index == literalStart
                        ? "expected a value, found \(found())" : "expected `\(literal)`, found \(found())"
                )
            }
            index += 1
        }
    }

    /// Reads a number and returns its text.
    private mutating func readNumber() throws(JSONError) -> String {
        let numberStart = index
        func isDigit(_ index: Int) -> Bool { index < bytes.count && bytes[index] &- UInt8(ascii: "0") < 10 }
        func expectDigit(after what: String) throws(JSONError) {
            guard index < bytes.count else { throw error(.unexpectedEnd, "the text ends inside a number") }
            guard isDigit(index) else {
                throw error(.invalidNumber, "expected a digit after \(what), found \(found())")
            }
        }
        if bytes[index] == UInt8(ascii: "-") {
            index += 1
            try expectDigit(after: "'-'")
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            guard !isDigit(index) else { throw error(.invalidNumber, "a number has a leading zero", at: index - 1) }
        } else {
            while isDigit(index) { index += 1 }
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            try expectDigit(after: "the decimal point")
            while isDigit(index) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            try expectDigit(after: "the exponent's 'e'")
            while isDigit(index) { index += 1 }
        }
        return String(decoding: bytes[numberStart..<index], as: UTF8.self)
    }

    /// Reads a string, from its opening quote to its closing one.
    private mutating func readString() throws(JSONError) -> String {
        let quote = index
        index += 1
        var runStart = index
        // Only strings with escapes are copied through `unescaped`.
        var unescaped: [UInt8]? = nil
        while true {
            guard index < bytes.count else {
                let (line, column) = location(of: quote)
                throw error(
                    .unexpectedEnd, "the text ends inside the string that starts at line \(line), column \(column)")
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let end = index
                index += 1
                guard var unescaped else { return String(decoding: bytes[runStart..<end], as: UTF8.self) }
                unescaped += bytes[runStart..<end]
                return String(decoding: unescaped, as: UTF8.self)
            case UInt8(ascii: "\\"):
                var buffer = unescaped ?? []
                buffer += bytes[runStart..<index]
                try readEscape(into: &buffer)
                unescaped = buffer
                runStart = index
            case 0..<0x20:
                throw error(
                    .invalidString, "a string contains the control character \(scalarName(UInt32(byte))) unescaped")
            case 0x80...:
                try skipUTF8Sequence()
            default:
                index += 1
            }
        }
    }

    /// Reads one escape sequence, from its backslash, and appends the character's UTF-8.
    private mutating func readEscape(into buffer: inout [UInt8]) throws(JSONError) {
        index += 1
        guard index < bytes.count else { throw error(.unexpectedEnd, "the text ends inside an escape sequence") }
        let replacement: UInt8
        switch bytes[index] {
        case UInt8(ascii: "\""): replacement = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): replacement = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): replacement = UInt8(ascii: "/")
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "n"): replacement = UInt8(ascii: "\n")
        case UInt8(ascii: "r"): replacement = UInt8(ascii: "\r")
        case UInt8(ascii: "t"): replacement = UInt8(ascii: "\t")
        case UInt8(ascii: "u"):
            let escapeStart = index - 1
            index += 1
            let unit = try readHex4()
            var scalarValue = UInt32(unit)
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low one.
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else {
                    throw error(
                        .invalidString,
                        "the escape \\u\(hex(UInt32(unit))) is a high surrogate without a low surrogate after it",
                        at: escapeStart)
                }
                index += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error(
                        .invalidString,
                        "the escape \\u\(hex(UInt32(unit))) is a high surrogate without a low surrogate after it",
                        at: escapeStart)
                }
                scalarValue = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)
            case 0xDC00...0xDFFF:
                throw error(
                    .invalidString,
                    "the escape \\u\(hex(UInt32(unit))) is a low surrogate without a high one before it",
                    at: escapeStart)
            default:
                break
            }
            // Surrogates are handled above, so every value is a scalar.
            UTF8.encode(Unicode.Scalar(scalarValue)!) { buffer.append($0) }
            return
        case let byte:
            let what =
                (0x21...0x7E).contains(byte) ? "\\\(Character(Unicode.Scalar(byte)))" : "a backslash before \(found())"
            throw error(.invalidString, "\(what) is not a JSON escape sequence", at: index - 1)
        }
        buffer.append(replacement)
        index += 1
    }

    /// Reads the four hex digits of a `\u` escape.
    private mutating func readHex4() throws(JSONError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw error(.unexpectedEnd, "the text ends inside a \\u escape") }
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidString, "a \\u escape needs four hex digits, found \(found())")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// Steps over the UTF-8 sequence that starts at `index` with a byte ≥ 0x80, checking it
    /// (Unicode Table 3-7: no overlong forms, no surrogates, nothing beyond U+10FFFF).
    private mutating func skipUTF8Sequence() throws(JSONError) {
        let lead = bytes[index]
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: throw error(.invalidUTF8, "byte 0x\(hex(UInt32(lead), digits: 2)) cannot start a UTF-8 sequence")
        }
        for offset in 1..<length {
            let position = index + offset
            guard position < bytes.count else {
                throw error(.invalidUTF8, "the text ends inside a UTF-8 sequence", at: position)
            }
            guard (offset == 1 ? second : 0x80...0xBF).contains(bytes[position]) else {
                throw error(
                    .invalidUTF8,
                    "byte 0x\(hex(UInt32(bytes[position]), digits: 2)) does not continue the UTF-8 sequence that starts at byte \(index)",
                    at: position)
            }
        }
        index += length
    }

    /// The character at `index`, for messages: `'x'`, `U+00E9 'é'`, `byte 0xFF` or `the end of the text`.
    private func found() -> String {
        guard index < bytes.count else { return "the end of the text" }
        let byte = bytes[index]
        switch byte {
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0..<0x80: return scalarName(UInt32(byte))
        default:
            var probe = self
            guard (try? probe.skipUTF8Sequence()) != nil,
                let scalar = String(decoding: bytes[index..<probe.index], as: UTF8.self).unicodeScalars.first
            else { return "byte 0x\(hex(UInt32(byte), digits: 2))" }
            return "\(scalarName(scalar.value)) '\(scalar)'"
        }
    }

    private func scalarName(_ value: UInt32) -> String { "U+\(hex(value))" }

    private func hex(_ value: UInt32, digits: Int = 4) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// Line and column (from 1; columns count Unicode scalars) of a byte offset.
    private func location(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes[min(start, offset)..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    private func error(_ code: JSONError.Code, _ message: String, at offset: Int? = nil) -> JSONError {
        let offset = offset ?? index
        let (line, column) = location(of: offset)
        return JSONError(code: code, message: message, offset: offset, line: line, column: column)
    }
}
