import JSON
import Testing

@Suite("Parsing: what RFC 8259 allows")
struct JSONParsingTests {
    @Test(
        "Any value can be the whole text, with whitespace around it",
        arguments: [
            ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)), ("0", .number("0")),
            ("-0", .number("-0")), (#""""#, .string("")), (" \t\r\n 42 \n", .number("42")), ("[]", .array([])),
            ("{}", .object([:])), ("[ ]", .array([])), ("{ \n }", .object([:])),
        ]
    )
    func scalarsAndEmptyContainers(text: String, expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test(
        "Numbers keep their text exactly",
        arguments: [
            "0", "-0", "1", "-1", "1.5", "-0.0", "1e5", "1E5", "1e+5", "1E-5", "0.0e0", "10.25e-300", "1e400",
            "123456789012345678901234567890", "-9223372036854775809", "18446744073709551616",
            "0.30000000000000000000000000001",
        ]
    )
    func numbers(text: String) throws {
        #expect(try JSONValue(parsing: text) == .number(text))
        #expect(try JSONValue(parsing: "[\(text)]") == .array([.number(text)]))
        #expect(try JSONValue(parsing: #"{"n":\#(text)}"#) == .object(["n": .number(text)]))
    }

    @Test("Objects and arrays nest")
    func nesting() throws {
        let text = #"""
            {"name": "dress", "sizes": [36, 38.5, -1e2], "sale": false, "brand": null,
             "stock": {"red": {"M": 3}, "blue": {}}, "tags": [[], [[]], {"a": []}]}
            """#
        let expected: JSONValue = [
            "name": "dress", "sizes": [.number("36"), .number("38.5"), .number("-1e2")], "sale": false,
            "brand": .null, "stock": ["red": ["M": 3], "blue": [:]], "tags": [[], [[]], ["a": []]],
        ]
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test("Every escape sequence, \\u escapes with surrogate pairs, and raw UTF-8")
    func strings() throws {
        #expect(try JSONValue(parsing: #""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{c}\n\r\t"))
        #expect(try JSONValue(parsing: #""\u0041\u00e9\u00E9\u20ac\ud83d\ude00\uD83D\uDE00""#) == .string("Aéé€😀😀"))
        #expect(try JSONValue(parsing: #""\u0000a\u001F""#) == .string("\u{0}a\u{1f}"))
        #expect(try JSONValue(parsing: #""\uFFFF\uFEFF\u0800""#) == .string("\u{FFFF}\u{FEFF}\u{800}"))
        // Raw (unescaped) characters: anything but control characters, `"` and `\`.
        let raw = "é € 😀 赤いドレス \u{7f} \u{2028} \u{10FFFF} / '"
        #expect(try JSONValue(parsing: "\"\(raw)\"") == .string(raw))
        #expect(try JSONValue(parsing: #""a\nb" "#) == .string("a\nb"))
        // An escape between raw runs, and escapes only.
        #expect(try JSONValue(parsing: #""ab\tcd\u00e9ef""#) == .string("ab\tcdéef"))
        #expect(try JSONValue(parsing: #""\\\\""#) == .string(#"\\"#))
    }

    @Test("Keys are strings with escapes too; different escapes of one key are one key")
    func keys() throws {
        #expect(try JSONValue(parsing: #"{"a\u0062": 1, "": 2, "\n": 3}"#) == ["ab": 1, "": 2, "\n": 3])
        let duplicate = try #require(throws: JSONError.self) { try JSONValue(parsing: #"{"ab": 1, "a\u0062": 2}"#) }
        #expect(duplicate.code == .duplicateKey)
        #expect(duplicate.offset == 10)
    }

    @Test("A UTF-8 byte order mark at the start is skipped, and nowhere else")
    func byteOrderMark() throws {
        #expect(try JSONValue(parsing: [0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
        #expect(throws: JSONError.self) { try JSONValue(parsing: Array(" ".utf8) + [0xEF, 0xBB, 0xBF, 0x31]) }
        #expect(throws: JSONError.self) { try JSONValue(parsing: [0xEF, 0xBB, 0xBF]) }
    }

    @Test("Any collection of bytes can be parsed")
    func inputs() throws {
        let text = #"{"a": [1, "x"]}"#
        let expected: JSONValue = ["a": [1, "x"]]
        #expect(try JSONValue(parsing: text) == expected)
        #expect(try JSONValue(parsing: text.utf8) == expected)
        #expect(try JSONValue(parsing: Array(text.utf8)) == expected)
        #expect(try JSONValue(parsing: Array("xx\(text)yy".utf8).dropFirst(2).dropLast(2)) == expected)
        #expect(try JSONValue(parsing: ContiguousArray(text.utf8)) == expected)
    }

    @Test("A large document")
    func large() throws {
        let count = 20_000
        let text =
            "["
            + (0..<count).map { #"{"id": \#($0), "name": "item \#($0)", "tags": ["a", "b"]}"# }
            .joined(separator: ",\n") + "]"
        let value = try JSONValue(parsing: text)
        #expect(value.arrayValue?.count == count)
        #expect(value[count - 1]?["name"] == "item \(count - 1)")
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }
}

@Suite("Parsing: what RFC 8259 rejects, and where")
struct JSONRejectionTests {
    private func failure(_ bytes: [UInt8]) -> JSONError? {
        do {
            _ = try JSONValue(parsing: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "Invalid texts fail with a code and the offset of the offending byte",
        arguments: [
            // Empty, unfinished.
            ("", JSONError.Code.unexpectedEnd, 0), ("   ", .unexpectedEnd, 3), ("{", .unexpectedEnd, 1),
            ("[", .unexpectedEnd, 1), ("[1", .unexpectedEnd, 2), ("[1,", .unexpectedEnd, 3),
            (#"{"a""#, .unexpectedEnd, 4), (#"{"a":"#, .unexpectedEnd, 5), (#"{"a":1"#, .unexpectedEnd, 6),
            (#""abc"#, .unexpectedEnd, 4), (#""a\"#, .unexpectedEnd, 3), (#""\u12"#, .unexpectedEnd, 5),
            ("tru", .unexpectedEnd, 3), ("-", .unexpectedEnd, 1), ("1.", .unexpectedEnd, 2), ("1e", .unexpectedEnd, 2),
            ("1e-", .unexpectedEnd, 3),
            // Structure.
            ("[1,]", .unexpectedCharacter, 3), (#"{"a":1,}"#, .unexpectedCharacter, 7),
            ("{a:1}", .unexpectedCharacter, 1),
            (#"{"a" 1}"#, .unexpectedCharacter, 5), (#"{"a":1 "b":2}"#, .unexpectedCharacter, 7),
            ("[1 2]", .unexpectedCharacter, 3), ("[1}", .unexpectedCharacter, 2),
            (#"{"a":1]"#, .unexpectedCharacter, 6),
            ("[,1]", .unexpectedCharacter, 1), ("{,}", .unexpectedCharacter, 1), ("{1:2}", .unexpectedCharacter, 1),
            ("'a'", .unexpectedCharacter, 0), ("True", .unexpectedCharacter, 0), ("trux", .unexpectedCharacter, 3),
            ("nul1", .unexpectedCharacter, 3), ("undefined", .unexpectedCharacter, 0), ("NaN", .unexpectedCharacter, 0),
            ("Infinity", .unexpectedCharacter, 0), ("+1", .unexpectedCharacter, 0), (".5", .unexpectedCharacter, 0),
            ("/* c */ 1", .unexpectedCharacter, 0), ("[\u{A0}1]", .unexpectedCharacter, 1),
            ("\u{FEFF}\u{FEFF}1", .unexpectedCharacter, 3), ("\u{0}", .unexpectedCharacter, 0),
            ("\u{C}1", .unexpectedCharacter, 0),
            // Numbers.
            ("01", .invalidNumber, 0), ("-01", .invalidNumber, 1), ("00", .invalidNumber, 0),
            ("[-a]", .invalidNumber, 2),
            ("-Infinity", .invalidNumber, 1), ("[1.]", .invalidNumber, 3), ("[1.e5]", .invalidNumber, 3),
            ("[1e]", .invalidNumber, 3), ("[1E+]", .invalidNumber, 4), ("[1e+-1]", .invalidNumber, 4),
            ("- 1", .invalidNumber, 1),
            // Strings.
            ("\"a\nb\"", .invalidString, 2), ("\"\u{1}\"", .invalidString, 1), ("\"\t\"", .invalidString, 1),
            ("\"\u{1F}\"", .invalidString, 1), (#""\x""#, .invalidString, 1), (#""\U0041""#, .invalidString, 1),
            (#""\'""#, .invalidString, 1), (#""\u12G4""#, .invalidString, 5), (#""\u004""#, .invalidString, 6),
            (#""\ud800""#, .invalidString, 1), (#""\udc00""#, .invalidString, 1), (#""a\uDFFFb""#, .invalidString, 2),
            (#""\ud800\u0041""#, .invalidString, 1), (#""\ud800\ud800""#, .invalidString, 1),
            (#""\ud800x""#, .invalidString, 1), (#""\ud800\n""#, .invalidString, 1),
            // Trailing data.
            ("{} x", .trailingData, 3), ("1 2", .trailingData, 2), ("[] []", .trailingData, 3),
            ("[1]]", .trailingData, 3),
            ("0x10", .trailingData, 1), ("1.5.2", .trailingData, 3), ("\"a\"\"b\"", .trailingData, 3),
            ("null,", .trailingData, 4), ("1\u{0}", .trailingData, 1),
            // Duplicate keys.
            (#"{"a":1,"a":2}"#, .duplicateKey, 7), (#"{"a":{"b":1,"c":2,"b":3}}"#, .duplicateKey, 18),
        ]
    )
    func invalid(text: String, code: JSONError.Code, offset: Int) throws {
        let error = try #require(failure(Array(text.utf8)), "\(text.debugDescription) should not parse")
        #expect(error.code == code, "\(text.debugDescription): \(error)")
        #expect(error.offset == offset, "\(text.debugDescription): \(error)")
        #expect(!error.message.isEmpty)
    }

    @Test(
        "Invalid UTF-8 is rejected where it is",
        arguments: [
            ([0x22, 0xFF, 0x22], 1),  // never valid
            ([0x22, 0x80, 0x22], 1),  // a lone continuation byte
            ([0x22, 0xC0, 0x80, 0x22], 1),  // overlong NUL
            ([0x22, 0xC1, 0xBF, 0x22], 1),  // overlong
            ([0x22, 0xE0, 0x80, 0x80, 0x22], 2),  // overlong 3-byte
            ([0x22, 0xF0, 0x80, 0x80, 0x80, 0x22], 2),  // overlong 4-byte
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 2),  // an encoded surrogate (U+D800)
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 2),  // beyond U+10FFFF
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),  // beyond U+10FFFF
            ([0x22, 0xE2, 0x82, 0x22], 3),  // truncated (a quote where the last byte belongs)
            ([0x22, 0xE2, 0x82], 3),  // truncated by the end of the text
            ([0x22, 0x61, 0xC3, 0x41, 0x22], 3),  // a continuation byte missing
        ] as [([UInt8], Int)]
    )
    func invalidUTF8(bytes: [UInt8], offset: Int) throws {
        let error = try #require(failure(bytes))
        #expect(error.code == .invalidUTF8, "\(error)")
        #expect(error.offset == offset, "\(error)")
    }

    @Test("Valid UTF-8 at the edges of each sequence length")
    func validUTF8() throws {
        for scalar in ["\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}"] {
            #expect(try JSONValue(parsing: "\"\(scalar)\"") == .string(scalar))
        }
    }

    @Test("Errors say where in lines and columns, counting Unicode scalars")
    func location() throws {
        let leadingZero = try #require(failure(Array("{\n  \"a\": 01\n}".utf8)))
        #expect(leadingZero.code == .invalidNumber)
        #expect(leadingZero.offset == 9)
        #expect(leadingZero.line == 2)
        #expect(leadingZero.column == 8)
        #expect(leadingZero.description == "line 2, column 8 (byte 9): a number has a leading zero")

        let afterUnicode = try #require(failure(Array(#"["é😀", x]"#.utf8)))
        #expect(afterUnicode.offset == 11)
        #expect(afterUnicode.line == 1)
        #expect(afterUnicode.column == 8)
        #expect(afterUnicode.message == "expected a value, found 'x'")

        let windows = try #require(failure(Array("[1,\r\n2,\r\n]".utf8)))
        #expect((windows.line, windows.column) == (3, 1))

        let bom = try #require(failure([0xEF, 0xBB, 0xBF] + Array("[x]".utf8)))
        #expect((bom.offset, bom.line, bom.column) == (4, 1, 2))

        let end = try #require(failure(Array("[1,\n".utf8)))
        #expect((end.offset, end.line, end.column) == (4, 2, 1))
    }

    @Test("Messages name the problem and the character found")
    func messages() throws {
        func message(_ text: String) -> String? { failure(Array(text.utf8))?.message }
        #expect(message("") == "the text is empty")
        #expect(message("[1,]") == "expected a value, found ']'")
        #expect(message("[1 2]") == "expected ',' or ']', found '2'")
        #expect(message("{\"a\" 1}") == "expected ':' after the key, found '1'")
        #expect(message("{1:2}") == "expected a string key or '}', found '1'")
        #expect(message("{\"a\":1,}") == "expected a string key, found '}'")
        #expect(message("[é]") == "expected a value, found U+00E9 'é'")
        #expect(message("\"a\u{1}\"") == "a string contains the control character U+0001 unescaped")
        #expect(message(#""\x""#) == #"\x is not a JSON escape sequence"#)
        #expect(message(#""\ud83d""#) == #"the escape \uD83D is a high surrogate without a low surrogate after it"#)
        #expect(message(#""\ude00""#) == #"the escape \uDE00 is a low surrogate without a high one before it"#)
        #expect(message(#"{"k":1,"k":2}"#) == #"the key "k" appears twice in one object"#)
        #expect(message("1 x") == "expected the end of the text after the value, found 'x'")
        #expect(message("trux") == "expected `true`, found 'x'")
        #expect(message("\"abc\ndef") == "a string contains the control character U+000A unescaped")
        #expect(message("  \"abc") == "the text ends inside the string that starts at line 1, column 3")
        #expect(failure([0x22, 0xFF])?.message == "byte 0xFF cannot start a UTF-8 sequence")
        #expect(failure([0x5B, 0xFF])?.message == "expected a value, found byte 0xFF")
    }

    @Test("Nesting is limited (512 by default) so that no input can exhaust the stack")
    func depth() throws {
        let limit = JSONValue.defaultMaximumDepth
        #expect(limit == 512)
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try JSONValue(parsing: deepest).serialized() == deepest)
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        let error = try #require(failure(Array(tooDeep.utf8)))
        #expect(error.code == .tooDeep)
        #expect(error.offset == limit)
        // Objects count too, and the limit can be set.
        let objects = #"{"a":{"b":[{"c":1}]}}"#
        #expect(throws: Never.self) { try JSONValue(parsing: objects, maximumDepth: 4) }
        #expect(throws: JSONError.self) { try JSONValue(parsing: objects, maximumDepth: 3) }
        #expect(throws: Never.self) { try JSONValue(parsing: "1", maximumDepth: 0) }
        #expect(throws: JSONError.self) { try JSONValue(parsing: "[]", maximumDepth: 0) }
        // A million open brackets fail fast and cleanly.
        let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(failure(hostile)?.code == .tooDeep)
        #expect(failure([UInt8](repeating: UInt8(ascii: "["), count: 100))?.code == .unexpectedEnd)
    }
}
