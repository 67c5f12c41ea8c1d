public import Postgres
public import Protos

/// Feedback events: stored once per idempotency key, acknowledged only after commit.
public enum EventStore {
    /// How much each event type adds to a product's popularity.
    static let popularityWeights: [String: Float] = ["view": 0.3, "click": 1, "add_to_cart": 3, "purchase": 5]

    /// The stored name of an event type ("add_to_cart"), nil for unspecified or unknown.
    public static func name(of type: RecV1.EventType) -> String? {
        switch type {
        case .view: "view"
        case .click: "click"
        case .addToCart: "add_to_cart"
        case .removeFromCart: "remove_from_cart"
        case .purchase: "purchase"
        case .return: "return"
        default: nil
        }
    }

    /// The popularity of every product with events.
    public static func popularity(_ connection: PostgresConnection) throws -> [Int64: Float] {
        let rows = try connection.query(
            """
            SELECT product_id, sum(CASE type WHEN 'purchase' THEN 5 WHEN 'add_to_cart' THEN 3 WHEN 'click' THEN 1
                                             WHEN 'view' THEN 0.3 ELSE 0 END)::float8 AS weight
              FROM events WHERE product_id IS NOT NULL GROUP BY product_id
            """)
        var result: [Int64: Float] = [:]
        for row in rows {
            if let id = Int64(row["product_id"] ?? ""), let weight = row.double("weight") { result[id] = Float(weight) }
        }
        return result
    }

    /// Makes sure a user row exists (users are created on first use).
    static func ensureUser(_ userID: String, _ connection: PostgresConnection) throws {
        try connection.query("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", [.text(userID)])
    }

    /// One event to store.
    public struct NewEvent: Sendable {
        public var userID: String?
        public var sessionID: String?
        public var type: String
        public var productID: Int64
        public var quantity: Int
        public var position: Int?
        public var query: String?
        public var requestID: String?
        public var idempotencyKey: String?
        public var occurredAtMs: Int64?
    }

    /// Stores an event unless one with the same (user, idempotency key) exists.
    /// - Returns: the event id and whether it was a duplicate.
    public static func record(_ event: NewEvent, _ connection: PostgresConnection) throws -> (id: Int64, duplicate: Bool) {
        if let user = event.userID { try ensureUser(user, connection) }
        let parameters: [PostgresValue] = [
            event.userID.map { .text($0) } ?? .null, event.sessionID.map { .text($0) } ?? .null, .text(event.type),
            .int(event.productID), .int(Int64(event.quantity)), event.position.map { .int(Int64($0)) } ?? .null,
            event.query.map { .text($0) } ?? .null, event.requestID.map { .text($0) } ?? .null,
            event.idempotencyKey.map { .text($0) } ?? .null, event.occurredAtMs.map { .int($0) } ?? .null,
        ]
        let inserted = try connection.query(
            """
            INSERT INTO events (user_id, session_id, type, product_id, quantity, position, query, request_id,
                                idempotency_key, occurred_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce(to_timestamp($10::float8 / 1000), now()))
            ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING id
            """, parameters)
        if let id = Int64(inserted.first?["id"] ?? "") { return (id, false) }
        let existing = try connection.query(
            "SELECT id FROM events WHERE user_id IS NOT DISTINCT FROM $1 AND idempotency_key = $2",
            [parameters[0], parameters[8]])
        return (Int64(existing.first?["id"] ?? "") ?? 0, true)
    }
}
