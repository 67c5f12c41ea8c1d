/// A `multipart/form-data` body (RFC 7578) split into its parts, in memory.
public struct MultipartForm: Sendable {
    /// One part.
    public struct Part: Sendable {
        /// The `name` of its Content-Disposition.
        public var name: String
        /// The `filename`, when given.
        public var filename: String?
        /// Its Content-Type, when given.
        public var contentType: String?
        /// Its bytes.
        public var body: [UInt8]
    }

    /// The parts, in order.
    public var parts: [Part]

    /// The first part named `name`.
    public subscript(name: String) -> Part? { parts.first { $0.name == name } }

    /// The boundary of a `multipart/form-data; boundary=…` content type.
    public static func boundary(contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingSpaces
            guard pair.lowercased().hasPrefix("boundary=") else { continue }
            var value = String(pair.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.count > 70 ? nil : value
        }
        return nil
    }

    /// Splits `body` on `boundary`.
    /// - Throws: `GatewayError` 400 `invalid_multipart` saying what is wrong.
    public init(body: [UInt8], boundary: String) throws(GatewayError) {
        func fail(_ message: String) -> GatewayError {
            GatewayError(status: 400, code: "invalid_multipart", message: "malformed multipart body: \(message)")
        }
        let delimiter = Array("--\(boundary)".utf8)
        guard var position = Self.find(delimiter, in: body, from: 0) else { throw fail("the boundary '\(boundary)' never occurs") }
        var parts: [Part] = []
        while true {
            position += delimiter.count
            // "--" after the delimiter closes the body.
            if position + 1 < body.count, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") { break }
            guard let lineEnd = Self.find([13, 10], in: body, from: position) else { throw fail("a boundary line does not end") }
            position = lineEnd + 2
            guard let headersEnd = Self.find([13, 10, 13, 10], in: body, from: position) else {
                throw fail("a part's headers do not end with an empty line")
            }
            let headerText = String(decoding: body[position..<headersEnd], as: UTF8.self)
            let contentStart = headersEnd + 4
            guard let next = Self.find([13, 10] + delimiter, in: body, from: contentStart) else {
                throw fail("a part is not followed by the closing boundary")
            }
            var part = Part(name: "", filename: nil, contentType: nil, body: Array(body[contentStart..<next]))
            for line in headerText.split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                let value = String(line[line.index(after: colon)...]).trimmingSpaces
                if name == "content-type" { part.contentType = value }
                if name == "content-disposition" {
                    for parameter in value.split(separator: ";").dropFirst() {
                        let pair = parameter.trimmingSpaces
                        guard let equals = pair.firstIndex(of: "=") else { continue }
                        var text = String(pair[pair.index(after: equals)...])
                        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
                        switch pair[..<equals].lowercased() {
                        case "name": part.name = text
                        case "filename": part.filename = text
                        default: break
                        }
                    }
                }
            }
            guard !part.name.isEmpty else { throw fail("a part has no Content-Disposition name") }
            parts.append(part)
            position = next + 2
        }
        self.parts = parts
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }
}
