/// Request or response metadata: ordered key/value pairs sent as HTTP/2 headers or trailers.
///
/// Keys are lower-cased. Keys ending in `-bin` hold binary values, base64-encoded on the
/// wire as the gRPC specification requires; all other values are ASCII strings.
public struct Metadata: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// One metadata value.
    public enum Entry: Hashable, Sendable, CustomStringConvertible {
        case string(String)
        case binary([UInt8])

        public var description: String {
            switch self {
            case .string(let text): text
            case .binary(let bytes): Base64.encode(bytes)
            }
        }
    }

    /// One entry.
    public struct Element: Hashable, Sendable {
        public var key: String
        public var value: Entry
    }

    private var elements: [Element] = []

    /// Empty metadata.
    public init() {}

    public init(dictionaryLiteral entries: (String, String)...) {
        for (key, value) in entries { add(key, value) }
    }

    /// The number of entries.
    public var count: Int { elements.count }
    /// Whether there are no entries.
    public var isEmpty: Bool { elements.isEmpty }

    /// Appends a string value.
    public mutating func add(_ key: String, _ value: String) {
        elements.append(Element(key: key.lowercased(), value: .string(value)))
    }

    /// Appends a binary value; the key must end in `-bin`.
    public mutating func add(_ key: String, binary value: [UInt8]) {
        let key = key.lowercased()
        precondition(key.hasSuffix("-bin"), "binary metadata keys end in -bin")
        elements.append(Element(key: key, value: .binary(value)))
    }

    /// Replaces every value under `key` with one string value.
    public mutating func replace(_ key: String, with value: String) {
        remove(key)
        add(key, value)
    }

    /// Removes every value under `key`.
    public mutating func remove(_ key: String) {
        let key = key.lowercased()
        elements.removeAll { $0.key == key }
    }

    /// The first string value under `key`.
    public subscript(key: String) -> String? {
        let key = key.lowercased()
        for element in elements where element.key == key {
            if case .string(let value) = element.value { return value }
        }
        return nil
    }

    /// Every value under `key`, in order.
    public func values(for key: String) -> [Entry] {
        let key = key.lowercased()
        return elements.filter { $0.key == key }.map(\.value)
    }

    /// Appends all entries of `other`.
    public mutating func add(contentsOf other: Metadata) { elements.append(contentsOf: other.elements) }

    public func makeIterator() -> IndexingIterator<[Element]> { elements.makeIterator() }

    /// Adds a header as it arrived on the wire, decoding `-bin` values.
    /// - Returns: false when a `-bin` value is not valid base64.
    @discardableResult
    public mutating func addWire(key: String, value: String) -> Bool {
        if key.hasSuffix("-bin") {
            guard let bytes = Base64.decode(value) else { return false }
            elements.append(Element(key: key, value: .binary(bytes)))
        } else {
            elements.append(Element(key: key, value: .string(value)))
        }
        return true
    }

    /// The entries as wire headers, `-bin` values base64-encoded (unpadded, as gRPC sends them).
    public var wireHeaders: [(String, String)] {
        elements.map { element in
            switch element.value {
            case .string(let text): (element.key, text)
            case .binary(let bytes): (element.key, Base64.encode(bytes, padding: false))
            }
        }
    }

    /// Whether `key` is reserved by the transport and may not be set as custom metadata.
    public static func isReserved(_ key: String) -> Bool {
        key.hasPrefix(":") || key.hasPrefix("grpc-") || key == "content-type" || key == "te"
            || key == "user-agent" || key == "content-length" || key == "host" || key == "connection"
    }
}
