internal import Glibc
internal import JSON
internal import Postgres
internal import Protos
public import ServiceRuntime

/// Loads the demo data of `services/rec-svc/demo/` (products, users, reviews, orders and
/// events; see its README.md) into PostgreSQL. Idempotent: products by sku, users by id,
/// reviews, orders and returns by their fixed ids (below the live ranges), events by
/// idempotency key. One transaction: the demo is loaded completely or not at all.
public enum DemoLoader {
    public static let defaultDirectory = "services/rec-svc/demo"

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Returns: how many rows of each kind the files hold.
    public static func load(directory: String, conninfo: String, logger: Logger) async throws -> [String: any Sendable] {
        let pool = PostgresPool(conninfo: conninfo, size: 1, label: "demo")
        // Everything, file parsing included, runs on the pool's own thread, never on Swift's
        // cooperative pool.
        return try await pool.withTransaction { connection -> [String: Int] in
            let products = try lines("\(directory)/products.jsonl")
            let users = try lines("\(directory)/users.jsonl")
            let reviews = try lines("\(directory)/reviews.jsonl")
            let orders = try lines("\(directory)/orders.jsonl")
            let events = try lines("\(directory)/events.jsonl")
            try loadProducts(products, connection)
            for (line, user) in users {
                try connection.query(
                    "INSERT INTO users (id, display_name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name",
                    [.text(try string(user, "id", line)), user["display_name"]?.stringValue.map { .text($0) } ?? .null])
            }
            // Reviews and events go in one statement each: the file's rows as one bound JSON
            // array, expanded by json_to_recordset.
            let reviewRows = JSONValue.array(reviews.enumerated().map { index, row in
                var object = row.1
                object["id"] = JSONValue(index + 1)
                return .object(object)
            }).serialized()
            try connection.query(
                """
                INSERT INTO reviews (id, product_id, author_name, rating, title, body, helpful_votes, created_at)
                SELECT r.id, p.id, r.author, r.rating, coalesce(r.title, ''), coalesce(r.body, ''),
                       coalesce(r.helpful_votes, 0), coalesce(r.created_at, now())
                  FROM json_to_recordset($1::json) AS r(id bigint, sku text, author text, rating smallint, title text,
                                                         body text, helpful_votes int, created_at timestamptz)
                  JOIN products p ON p.sku = r.sku
                ON CONFLICT (id) DO NOTHING
                """, [.text(reviewRows)])
            try connection.query("SELECT setval(pg_get_serial_sequence('reviews', 'id'), greatest((SELECT max(id) FROM reviews), 1))")
            let skus = try productIDs(connection)
            for (line, order) in orders { try loadOrder(order, line: line, skus: skus, connection) }
            try connection.query(
                "SELECT setval(pg_get_serial_sequence('return_requests', 'id'), greatest((SELECT max(id) FROM return_requests), 1))")
            let eventRows = JSONValue.array(events.map { .object($0.1) }).serialized()
            try connection.query(
                """
                INSERT INTO users (id)
                SELECT DISTINCT e.user_id FROM json_to_recordset($1::json) AS e(user_id text) WHERE e.user_id IS NOT NULL
                ON CONFLICT DO NOTHING
                """, [.text(eventRows)])
            try connection.query(
                """
                INSERT INTO events (user_id, session_id, type, product_id, quantity, request_id, idempotency_key, occurred_at)
                SELECT e.user_id, e.session_id, e.type, p.id, coalesce(e.quantity, 1), e.request_id, e.idempotency_key,
                       coalesce(e.occurred_at, now())
                  FROM json_to_recordset($1::json) AS e(user_id text, session_id text, type text, sku text, quantity int,
                                                         request_id text, idempotency_key text, occurred_at timestamptz)
                  JOIN products p ON p.sku = e.sku
                ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                """, [.text(eventRows)])
            return [
                "products": products.count, "users": users.count, "reviews": reviews.count, "orders": orders.count,
                "events": events.count,
            ]
        }
    }

    private static func loadProducts(_ rows: [(Int, [String: JSONValue])], _ connection: PostgresConnection) throws {
        let parser = ProductRowParser(format: .jsonl)
        var products: [CatalogProduct] = []
        for (line, object) in rows {
            var copy = parser
            do {
                guard let product = try copy.parse(text: JSONValue.object(object).serialized()) else { continue }
                products.append(product)
            } catch {
                throw LoadError(description: "products.jsonl line \(line): \(error)")
            }
        }
        var start = 0
        while start < products.count {
            _ = try CatalogStore.upsert(Array(products[start..<min(start + 1_000, products.count)]), connection)
            start += 1_000
        }
    }

    private static func loadOrder(_ order: [String: JSONValue], line: Int, skus: [String: Int64], _ connection: PostgresConnection) throws {
        let orderID = order["id"]?.integer(as: Int64.self) ?? Int64(order["id"]?.stringValue ?? "") ?? 0
        guard orderID > 0, orderID < 10_001 else {
            throw LoadError(description: "orders.jsonl line \(line): demo order ids must be from 1 to 10000")
        }
        func text(_ key: String) -> PostgresValue { order[key]?.stringValue.map { .text($0) } ?? .null }
        let inserted = try connection.query(
            """
            INSERT INTO orders (id, user_id, status, currency, total, shipping_address, carrier, tracking_number,
                                tracking_status, tracking_location, estimated_delivery_at, shipped_at, delivered_at, created_at)
            VALUES ($1, $2, $3, coalesce($4, 'USD'), $5::numeric, $6, $7, $8, $9, $10, $11::timestamptz, $12::timestamptz,
                    $13::timestamptz, coalesce($14::timestamptz, now()))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """,
            [
                .int(orderID), text("user_id"), text("status"), text("currency"), .double(order["total"]?.doubleValue ?? 0),
                text("shipping_address"), text("carrier"), text("tracking_number"), text("tracking_status"),
                text("tracking_location"), text("estimated_delivery_at"), text("shipped_at"), text("delivered_at"), text("created_at"),
            ])
        guard !inserted.isEmpty else { return }  // loaded before
        for item in order["items"]?.arrayValue ?? [] {
            guard let object = item.objectValue else { continue }
            let productID = try id(of: object, skus, line)
            try connection.query(
                """
                INSERT INTO order_items (order_id, product_id, sku, title, quantity, unit_price)
                SELECT $1, id, sku, title, $3, $4::numeric FROM products WHERE id = $2
                """,
                [.int(orderID), .int(productID), .int(object["quantity"]?.integer(as: Int64.self) ?? 1), .double(object["unit_price"]?.doubleValue ?? 0)])
        }
        for ret in order["returns"]?.arrayValue ?? [] {
            guard let object = ret.objectValue else { continue }
            let returnID = object["id"]?.integer(as: Int64.self) ?? Int64(object["id"]?.stringValue ?? "") ?? 0
            try connection.query(
                """
                INSERT INTO return_requests (id, order_id, status, reason, created_at)
                VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()))
                """,
                [
                    .int(returnID), .int(orderID), .text(object["status"]?.stringValue ?? "requested"),
                    object["reason"]?.stringValue.map { .text($0) } ?? .null, object["created_at"]?.stringValue.map { .text($0) } ?? .null,
                ])
            for sku in object["skus"]?.arrayValue ?? [] {
                guard let sku = sku.stringValue, let productID = skus[sku] else { continue }
                try connection.query(
                    """
                    INSERT INTO return_request_items (return_id, order_item_id, quantity)
                    SELECT $1, id, quantity FROM order_items WHERE order_id = $2 AND product_id = $3
                    """, [.int(returnID), .int(orderID), .int(productID)])
                try connection.query(
                    "UPDATE order_items SET returned_quantity = quantity WHERE order_id = $1 AND product_id = $2",
                    [.int(orderID), .int(productID)])
            }
        }
    }

    private static func productIDs(_ connection: PostgresConnection) throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for row in try connection.query("SELECT id, sku FROM products WHERE deleted_at IS NULL") {
            if let sku = row["sku"], let id = Int64(row["id"] ?? "") { result[sku] = id }
        }
        return result
    }

    private static func id(of object: [String: JSONValue], _ skus: [String: Int64], _ line: Int) throws -> Int64 {
        guard let sku = object["sku"]?.stringValue, let id = skus[sku] else {
            throw LoadError(description: "line \(line): unknown sku \(object["sku"]?.stringValue ?? "(none)")")
        }
        return id
    }

    private static func string(_ object: [String: JSONValue], _ key: String, _ line: Int) throws -> String {
        guard let value = object[key]?.stringValue, !value.isEmpty else {
            throw LoadError(description: "line \(line): \(key) is required")
        }
        return value
    }

    /// The JSON objects of a JSONL file with their line numbers (blank lines skipped).
    static func lines(_ path: String) throws -> [(Int, [String: JSONValue])] {
        guard let file = fopen(path, "r") else {
            throw LoadError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var result: [(Int, [String: JSONValue])] = []
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(buffer) }
        var number = 0
        while getline(&buffer, &capacity, file) >= 0, let buffer {
            number += 1
            let text = String(cString: buffer)
            guard !text.allSatisfy(\.isWhitespace) else { continue }
            guard let object = try? JSONValue(parsing: text).objectValue else {
                throw LoadError(description: "\(path) line \(number): not a JSON object")
            }
            result.append((number, object))
        }
        return result
    }
}
