/// A value bound to a query parameter. Values always travel as bound parameters, never
/// spliced into SQL text.
public enum PostgresValue: Hashable, Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    case null
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    /// Raw bytes, sent in binary format (for `bytea`).
    case bytes([UInt8])

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }

    /// The text-format encoding libpq sends (nil for NULL and for `bytes`, which go binary).
    var textEncoding: String? {
        switch self {
        case .null, .bytes: nil
        case .text(let value): value
        case .int(let value): String(value)
        case .double(let value): value.isNaN ? "NaN" : value.isInfinite ? (value > 0 ? "Infinity" : "-Infinity") : String(value)
        case .bool(let value): value ? "t" : "f"
        }
    }
}

/// The rows a query returned, as text values.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// The column names, in order.
    public let columns: [String]
    /// The values: `rows[r][c]`, `nil` for NULL.
    public let values: [[String?]]
    /// Rows affected by an INSERT/UPDATE/DELETE (`PQcmdTuples`), 0 otherwise.
    public let affectedRows: Int

    public var startIndex: Int { values.startIndex }
    public var endIndex: Int { values.endIndex }

    /// One row, with access by column name.
    public struct Row: Sendable {
        let columns: [String]
        let values: [String?]

        /// The text value of a column; nil for NULL or an unknown column.
        public subscript(_ column: String) -> String? {
            columns.firstIndex(of: column).flatMap { values[$0] }
        }

        /// The value of a column parsed as an integer.
        public func int(_ column: String) -> Int? { self[column].flatMap { Int($0) } }

        /// The value of a column parsed as a double.
        public func double(_ column: String) -> Double? { self[column].flatMap { Double($0) } }
    }

    public subscript(position: Int) -> Row { Row(columns: columns, values: values[position]) }
}

/// A notification received on a channel the connection listens on (`LISTEN`/`NOTIFY`).
public struct PostgresNotification: Hashable, Sendable {
    /// The channel name.
    public var channel: String
    /// The payload; empty when none was sent.
    public var payload: String
}
