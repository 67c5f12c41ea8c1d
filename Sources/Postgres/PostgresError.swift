/// A failure talking to PostgreSQL.
public struct PostgresError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case connection, query, protocolViolation, migration }
        private let value: Value

        /// The server cannot be reached, or the connection broke.
        public static let connection = Code(value: .connection)
        /// The server rejected a statement (see `sqlState`).
        public static let query = Code(value: .query)
        /// The server answered something this client did not expect.
        public static let protocolViolation = Code(value: .protocolViolation)
        /// A migration file could not be applied, or an applied one changed.
        public static let migration = Code(value: .migration)

        public var description: String {
            switch value {
            case .connection: "connection"
            case .query: "query"
            case .protocolViolation: "protocol violation"
            case .migration: "migration"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The SQLSTATE for query errors, e.g. `23505` (unique violation).
    public var sqlState: String?
    /// The server's or libpq's message.
    public var message: String

    /// Creates an error.
    public init(code: Code, sqlState: String? = nil, message: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String {
        "PostgreSQL \(code)\(sqlState.map { " [\($0)]" } ?? ""): \(message)"
    }

    /// Whether the error is a unique-constraint violation.
    public var isUniqueViolation: Bool { sqlState == "23505" }
}
