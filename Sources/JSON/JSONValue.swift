/// A JSON value (RFC 8259) in pure Swift: what the strict parser, `JSONValue(parsing:)`, reads
/// and ``serialized(pretty:)`` writes.
///
/// - Numbers keep their literal text (`-12`, `0.5`, `1e-7`), so 64-bit integers and long
///   decimals keep every digit; ``integer(as:)`` and ``doubleValue`` convert them. Two
///   numbers are equal when their texts are: `.number("1") != .number("1.0")`.
/// - Objects are dictionaries: the order of keys in the input is not kept, a key may appear
///   once, and the serializer writes keys sorted by their UTF-8 bytes, so output is
///   deterministic.
/// - Values can be written as literals: `["name": "dress", "sizes": [36, 38], "sale": true]`.
public enum JSONValue: Hashable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as JSON number text such as `-12`, `0.5` or `1e-7`. The serializer writes
    /// the text as it is, so it should be valid JSON number syntax (see ``init(numberLiteral:)``).
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])
}

extension JSONValue {
    /// An integer as a JSON number (every digit is kept).
    public init(_ integer: some BinaryInteger) {
        self = .number(String(integer))
    }

    /// A `Double` as a JSON number, in the shortest form that reads back as the same value
    /// (Swift's `description`, with a trailing `.0` dropped: `0.1`, `3`, `1e-07`,
    /// `1.7976931348623157e+308`); `nil` for NaN and the infinities, which JSON cannot write.
    public init?(_ number: Double) {
        guard number.isFinite else { return nil }
        var text = number.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        self = .number(text)
    }

    /// A number from its text; `nil` unless `text` is a JSON number
    /// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    public init?(numberLiteral text: String) {
        guard DecimalLiteral(text) != nil else { return nil }
        self = .number(text)
    }
}

extension JSONValue {
    /// Whether the value is `null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// The boolean, or `nil` when the value is not `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The string, or `nil` when the value is not a string.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The elements, or `nil` when the value is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The members, or `nil` when the value is not an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { value } else { nil }
    }

    /// The number as the nearest `Double` (infinite when it is too large for one), or `nil`
    /// when the value is not a number.
    public var doubleValue: Double? {
        if case .number(let text) = self { Double(text) } else { nil }
    }

    /// The number as an integer of type `T`, when it is a whole number in `T`'s range:
    /// `12`, `-0`, `3.0`, `1e3` and `1.5e1` are integers, `1.5` and `1e-3` are not. Exact for
    /// any number of digits (no detour through `Double`).
    /// - Returns: `nil` when the value is not a number (or its text is not JSON number
    ///   syntax, such as `+1` or `01`), not whole, or out of range.
    public func integer<T: FixedWidthInteger>(as type: T.Type = T.self) -> T? {
        guard case .number(let text) = self else { return nil }
        return DecimalLiteral(text)?.integer(as: T.self)
    }

    /// The member named `key`, or `nil` when there is none or the value is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    /// The element at `index`, or `nil` when it is out of bounds or the value is not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}

extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }

    public init(integerLiteral value: Int) {
        self = .number(String(value))
    }

    public init(floatLiteral value: Double) {
        guard let number = JSONValue(value) else { preconditionFailure("JSON has no number \(value)") }
        self = number
    }

    public init(stringLiteral value: String) {
        self = .string(value)
    }

    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }

    /// An object; a key may appear only once.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(uniqueKeysWithValues: elements))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text, as ``serialized(pretty:)`` writes it.
    public var description: String { serialized() }
}
