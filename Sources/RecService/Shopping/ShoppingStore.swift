internal import JSON
public import Postgres
public import Protos
internal import RPCCore

/// Carts, orders, returns, reviews and forget-me, in SQL with bound parameters. Methods run
/// inside the caller's transaction and throw `RPCError` for what the shopper got wrong
/// (NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION) and `PostgresError` for the database.
public enum ShoppingStore {
    /// The most units of one product in a cart or a return.
    public static let maxLineQuantity = 99
    /// Days after delivery in which a return is accepted.
    public static let returnWindowDays = 30

    // MARK: - Carts

    public static func cart(userID: String, _ connection: PostgresConnection) throws -> RecV1.Cart {
        let rows = try connection.query(
            """
            SELECT ci.quantity, p.*
              FROM cart_items ci
              JOIN LATERAL (SELECT \(CatalogStore.productColumns) FROM products WHERE id = ci.product_id) p ON true
             WHERE ci.user_id = $1 ORDER BY ci.id
            """, [.text(userID)])
        var cart = RecV1.Cart()
        cart.userID = userID
        cart.currency = "USD"
        var subtotalCents: Int64 = 0
        for row in rows {
            let product = CatalogStore.product(from: row)
            let quantity = Int32(row["quantity"] ?? "") ?? 0
            let lineCents = Int64((product.price * 100).rounded()) * Int64(quantity)
            subtotalCents += lineCents
            cart.currency = product.currency
            cart.items.append(RecV1.CartItem(product: product.proto, quantity: quantity, lineTotal: Double(lineCents) / 100))
            cart.itemCount += quantity
        }
        cart.subtotal = Double(subtotalCents) / 100
        return cart
    }

    public static func addToCart(
        userID: String, productID: Int64, quantity: Int, requestID: String?, _ connection: PostgresConnection
    ) throws -> RecV1.Cart {
        guard quantity >= 1, quantity <= maxLineQuantity else {
            throw RPCError(code: .invalidArgument, message: "The quantity must be from 1 to \(maxLineQuantity).")
        }
        guard let product = try CatalogStore.product(id: productID, sku: "", connection) else {
            throw RPCError(code: .notFound, message: "There is no product \(productID).")
        }
        let inCart = Int(try connection.query(
            "SELECT quantity FROM cart_items WHERE user_id = $1 AND product_id = $2", [.text(userID), .int(productID)]
        ).first?["quantity"] ?? "") ?? 0
        guard inCart + quantity <= maxLineQuantity else {
            throw RPCError(code: .invalidArgument, message: "A cart holds at most \(maxLineQuantity) of one product.")
        }
        guard Int(product.stock) >= inCart + quantity else {
            throw RPCError(
                code: .failedPrecondition,
                message: product.stock == 0
                    ? "\(product.title) is out of stock."
                    : "Only \(product.stock) of \(product.title) left in stock.")
        }
        try EventStore.ensureUser(userID, connection)
        try connection.query(
            "INSERT INTO carts (user_id, currency) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET updated_at = now()",
            [.text(userID), .text(product.currency)])
        try connection.query(
            """
            INSERT INTO cart_items (user_id, product_id, quantity, request_id) VALUES ($1, $2, $3, $4)
            ON CONFLICT (user_id, product_id) DO UPDATE
               SET quantity = cart_items.quantity + EXCLUDED.quantity, updated_at = now(),
                   request_id = coalesce(EXCLUDED.request_id, cart_items.request_id)
            """, [.text(userID), .int(productID), .int(Int64(quantity)), requestID.map { .text($0) } ?? .null])
        return try cart(userID: userID, connection)
    }

    public static func removeFromCart(
        userID: String, productID: Int64, quantity: Int, _ connection: PostgresConnection
    ) throws -> RecV1.Cart {
        let rows = try connection.query(
            "SELECT quantity FROM cart_items WHERE user_id = $1 AND product_id = $2 FOR UPDATE",
            [.text(userID), .int(productID)])
        guard let current = Int(rows.first?["quantity"] ?? "") else {
            throw RPCError(code: .notFound, message: "Product \(productID) is not in the cart.")
        }
        if quantity <= 0 || quantity >= current {
            try connection.query("DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2", [.text(userID), .int(productID)])
        } else {
            try connection.query(
                "UPDATE cart_items SET quantity = quantity - $3, updated_at = now() WHERE user_id = $1 AND product_id = $2",
                [.text(userID), .int(productID), .int(Int64(quantity))])
        }
        return try cart(userID: userID, connection)
    }

    // MARK: - Orders

    /// Turns the cart into an order: checks and takes stock, snapshots prices, records a
    /// purchase event per line (with the request id that showed the product), empties the cart.
    public static func checkout(
        userID: String, idempotencyKey: String?, shippingAddress: String?, requestID: String?, personal: PersonalModels,
        _ connection: PostgresConnection
    ) throws -> RecV1.Order {
        if let key = idempotencyKey,
            let id = Int64(try connection.query(
                "SELECT id FROM orders WHERE user_id = $1 AND idempotency_key = $2", [.text(userID), .text(key)]
            ).first?["id"] ?? "")
        {
            return try order(id: id, userID: userID, connection)
        }
        let lines = try connection.query(
            """
            SELECT ci.product_id, ci.quantity, ci.request_id, p.sku, p.title, p.price::float8 AS price, p.currency, p.stock
              FROM cart_items ci JOIN products p ON p.id = ci.product_id
             WHERE ci.user_id = $1 AND p.deleted_at IS NULL
             ORDER BY ci.id FOR UPDATE OF p
            """, [.text(userID)])
        guard !lines.isEmpty else {
            throw RPCError(code: .failedPrecondition, message: "The cart is empty: add something before checking out.")
        }
        var totalCents: Int64 = 0
        for line in lines {
            let quantity = Int(line["quantity"] ?? "") ?? 0
            let stock = Int(line["stock"] ?? "") ?? 0
            guard stock >= quantity else {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "Only \(stock) of \(line["title"] ?? "a product") left in stock; change the cart and try again.")
            }
            totalCents += Int64(((line.double("price") ?? 0) * 100).rounded()) * Int64(quantity)
        }
        let currency = lines[0]["currency"] ?? "USD"
        let orderID = Int64(try connection.query(
            """
            INSERT INTO orders (user_id, status, currency, total, shipping_address, idempotency_key, request_id)
            VALUES ($1, 'pending', $2, $3::numeric / 100, $4, $5, $6) RETURNING id
            """,
            [
                .text(userID), .text(currency), .int(totalCents), shippingAddress.map { .text($0) } ?? .null,
                idempotencyKey.map { .text($0) } ?? .null, requestID.map { .text($0) } ?? .null,
            ]
        ).first?["id"] ?? "") ?? 0
        for line in lines {
            let productID = Int64(line["product_id"] ?? "") ?? 0
            let quantity = Int64(line["quantity"] ?? "") ?? 0
            try connection.query(
                """
                INSERT INTO order_items (order_id, product_id, sku, title, quantity, unit_price)
                VALUES ($1, $2, $3, $4, $5, $6::numeric)
                """,
                [.int(orderID), .int(productID), .text(line["sku"] ?? ""), .text(line["title"] ?? ""), .int(quantity), .double(line.double("price") ?? 0)])
            try connection.query("UPDATE products SET stock = stock - $2 WHERE id = $1", [.int(productID), .int(quantity)])
            // With its online step, as RecordEvent's.
            _ = try personal.record(
                EventStore.NewEvent(
                    userID: userID, type: "purchase", productID: productID, quantity: Int(quantity),
                    requestID: line["request_id"] ?? requestID, idempotencyKey: "order-\(orderID)-\(productID)"),
                connection)
        }
        try connection.query("DELETE FROM cart_items WHERE user_id = $1", [.text(userID)])
        return try order(id: orderID, userID: userID, connection)
    }

    /// One order of `userID`: NOT_FOUND when there is none, PERMISSION_DENIED when it belongs
    /// to someone else (or to a forgotten user).
    public static func order(id: Int64, userID: String, _ connection: PostgresConnection) throws -> RecV1.Order {
        let rows = try connection.query(
            """
            SELECT id, user_id, status, currency, total::float8 AS total, carrier, tracking_number, tracking_status,
                   tracking_location,
                   (extract(epoch FROM created_at) * 1000)::bigint AS created_ms,
                   (extract(epoch FROM estimated_delivery_at) * 1000)::bigint AS eta_ms,
                   (extract(epoch FROM shipped_at) * 1000)::bigint AS shipped_ms
              FROM orders WHERE id = $1
            """, [.int(id)])
        guard let row = rows.first else { throw RPCError(code: .notFound, message: "There is no order \(id).") }
        guard row["user_id"] == userID else {
            throw RPCError(code: .permissionDenied, message: "Order \(id) belongs to another account.")
        }
        var order = RecV1.Order()
        order.id = String(id)
        order.userID = userID
        order.status = orderStatus(row["status"] ?? "")
        order.currency = row["currency"] ?? "USD"
        order.total = row.double("total") ?? 0
        order.createdAtMs = Int64(row["created_ms"] ?? "") ?? 0
        if let carrier = row["carrier"] {
            var shipment = RecV1.Shipment()
            shipment.carrier = carrier
            shipment.trackingNumber = row["tracking_number"] ?? ""
            shipment.status = row["tracking_status"] ?? ""
            shipment.location = row["tracking_location"] ?? ""
            shipment.estimatedDeliveryMs = Int64(row["eta_ms"] ?? "") ?? 0
            shipment.shippedAtMs = Int64(row["shipped_ms"] ?? "") ?? 0
            order.shipment = shipment
        }
        for item in try connection.query(
            """
            SELECT product_id, sku, title, quantity, unit_price::float8 AS unit_price, returned_quantity
              FROM order_items WHERE order_id = $1 ORDER BY id
            """, [.int(id)])
        {
            order.items.append(
                RecV1.OrderItem(
                    productID: item["product_id"] ?? "", sku: item["sku"] ?? "", title: item["title"] ?? "",
                    quantity: Int32(item["quantity"] ?? "") ?? 0, unitPrice: item.double("unit_price") ?? 0,
                    returnedQuantity: Int32(item["returned_quantity"] ?? "") ?? 0))
        }
        for ret in try connection.query(
            """
            SELECT r.id, r.status, coalesce(r.reason, '') AS reason, (extract(epoch FROM r.created_at) * 1000)::bigint AS created_ms,
                   array_to_string(array_agg(oi.product_id ORDER BY oi.id), ',') AS products
              FROM return_requests r
              LEFT JOIN return_request_items ri ON ri.return_id = r.id
              LEFT JOIN order_items oi ON oi.id = ri.order_item_id
             WHERE r.order_id = $1 GROUP BY r.id ORDER BY r.id
            """, [.int(id)])
        {
            order.returns.append(
                RecV1.ReturnInfo(
                    id: ret["id"] ?? "", productIDs: (ret["products"] ?? "").split(separator: ",").map(String.init),
                    reason: ret["reason"] ?? "", status: returnStatus(ret["status"] ?? ""),
                    createdAtMs: Int64(ret["created_ms"] ?? "") ?? 0))
        }
        return order
    }

    public static func orders(userID: String, page: Int, pageSize: Int, _ connection: PostgresConnection) throws -> RecV1.ListOrdersResponse {
        let total = Int32(try connection.query("SELECT count(*) AS n FROM orders WHERE user_id = $1", [.text(userID)]).first?["n"] ?? "") ?? 0
        let ids = try connection.query(
            "SELECT id FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
            [.text(userID), .int(Int64(pageSize)), .int(Int64(page * pageSize))])
        var response = RecV1.ListOrdersResponse()
        response.total = total
        for row in ids { response.orders.append(try order(id: Int64(row["id"] ?? "") ?? 0, userID: userID, connection)) }
        return response
    }

    /// Records a return request. Only the owner may ask; the order must have been delivered;
    /// a request past the return window is recorded as REJECTED with the reason.
    public static func requestReturn(
        orderID: Int64, userID: String, productIDs: [Int64], reason: String?, idempotencyKey: String?, personal: PersonalModels,
        _ connection: PostgresConnection
    ) throws -> RecV1.RequestReturnResponse {
        var order = try order(id: orderID, userID: userID, connection)  // NOT_FOUND / PERMISSION_DENIED
        if let key = idempotencyKey,
            let existing = try connection.query(
                "SELECT id FROM return_requests WHERE order_id = $1 AND idempotency_key = $2", [.int(orderID), .text(key)]
            ).first?["id"]
        {
            return RecV1.RequestReturnResponse(returnInfo: order.returns.first { $0.id == existing }, order: order)
        }
        let state = try connection.query(
            """
            SELECT status, (delivered_at < now() - make_interval(days => $2)) AS expired
              FROM orders WHERE id = $1 FOR UPDATE
            """, [.int(orderID), .int(Int64(returnWindowDays))]
        ).first
        let status = state?["status"] ?? ""
        guard ["delivered", "return_requested"].contains(status) else {
            throw RPCError(
                code: .failedPrecondition,
                message: "Order \(orderID) is \(status.replacingOccurrences("_", " ")); items can be returned once it is delivered.")
        }
        var lines = order.items.filter { $0.returnedQuantity < $0.quantity }
        if !productIDs.isEmpty {
            let known = Set(order.items.map(\.productID))
            if let unknown = productIDs.map(String.init).first(where: { !known.contains($0) }) {
                throw RPCError(code: .invalidArgument, message: "Product \(unknown) is not part of order \(orderID).")
            }
            lines = lines.filter { productIDs.map(String.init).contains($0.productID) }
        }
        guard !lines.isEmpty else {
            throw RPCError(code: .failedPrecondition, message: "Everything asked for in order \(orderID) is already being returned.")
        }
        let expired = state?["expired"] == "t"
        let returnID = try connection.query(
            """
            INSERT INTO return_requests (order_id, status, reason, idempotency_key)
            VALUES ($1, $2, $3, $4) RETURNING id
            """,
            [
                .int(orderID), .text(expired ? "rejected" : "requested"),
                .text(expired ? "past the \(returnWindowDays)-day return window" + (reason.map { "; \($0)" } ?? "") : reason ?? ""),
                idempotencyKey.map { .text($0) } ?? .null,
            ]
        ).first?["id"] ?? ""
        for line in lines {
            try connection.query(
                """
                INSERT INTO return_request_items (return_id, order_item_id, quantity)
                SELECT $1, id, quantity - returned_quantity FROM order_items WHERE order_id = $2 AND product_id = $3
                """, [.text(returnID), .int(orderID), .text(line.productID)])
            if !expired {
                try connection.query(
                    "UPDATE order_items SET returned_quantity = quantity WHERE order_id = $1 AND product_id = $2",
                    [.int(orderID), .text(line.productID)])
                // With its online step, away from the item.
                _ = try personal.record(
                    EventStore.NewEvent(
                        userID: userID, type: "return", productID: Int64(line.productID) ?? 0,
                        quantity: Int(line.quantity - line.returnedQuantity), idempotencyKey: "return-\(returnID)-\(line.productID)"),
                    connection)
            }
        }
        if !expired {
            try connection.query("UPDATE orders SET status = 'return_requested', updated_at = now() WHERE id = $1", [.int(orderID)])
        }
        order = try self.order(id: orderID, userID: userID, connection)
        return RecV1.RequestReturnResponse(returnInfo: order.returns.first { $0.id == returnID }, order: order)
    }

    static func orderStatus(_ text: String) -> RecV1.OrderStatus {
        switch text {
        case "pending": .pending
        case "paid": .paid
        case "shipped": .shipped
        case "delivered": .delivered
        case "cancelled": .cancelled
        case "return_requested": .returnRequested
        case "returned": .returned
        default: .unspecified
        }
    }

    static func returnStatus(_ text: String) -> RecV1.ReturnStatus {
        switch text {
        case "requested": .requested
        case "approved": .approved
        case "completed": .completed
        case "rejected": .rejected
        default: .unspecified
        }
    }

    // MARK: - Reviews

    public static func reviews(
        productID: Int64, order: RecV1.ReviewOrder, page: Int, pageSize: Int, _ connection: PostgresConnection
    ) throws -> RecV1.ListReviewsResponse {
        guard let product = try CatalogStore.product(id: productID, sku: "", connection) else {
            throw RPCError(code: .notFound, message: "There is no product \(productID).")
        }
        let orderBy =
            switch order {
            case .newest: "created_at DESC, id DESC"
            case .ratingDesc: "rating DESC, helpful_votes DESC, id"
            case .ratingAsc: "rating ASC, helpful_votes DESC, id"
            default: "helpful_votes DESC, id"
            }
        let columns = """
            id, coalesce(author_name, 'Anonymous') AS author, rating, title, body, helpful_votes,
            (extract(epoch FROM created_at) * 1000)::bigint AS created_ms
            """
        func review(_ row: PostgresRows.Row) -> RecV1.Review {
            RecV1.Review(
                id: row["id"] ?? "", productID: String(productID), author: row["author"] ?? "",
                rating: Int32(row["rating"] ?? "") ?? 0, title: row["title"] ?? "", body: row["body"] ?? "",
                helpfulVotes: Int32(row["helpful_votes"] ?? "") ?? 0, createdAtMs: Int64(row["created_ms"] ?? "") ?? 0)
        }
        var response = RecV1.ListReviewsResponse()
        // orderBy is one of the constant strings above, never input.
        response.reviews = try connection.query(
            "SELECT \(columns) FROM reviews WHERE product_id = $1 ORDER BY \(orderBy) LIMIT $2 OFFSET $3",
            [.int(productID), .int(Int64(pageSize)), .int(Int64(page * pageSize))]
        ).map(review)
        var summary = RecV1.ReviewSummary()
        let stats = try connection.query(
            """
            SELECT count(*) AS n, coalesce(avg(rating), 0)::float8 AS average,
                   count(*) FILTER (WHERE rating = 1) AS r1, count(*) FILTER (WHERE rating = 2) AS r2,
                   count(*) FILTER (WHERE rating = 3) AS r3, count(*) FILTER (WHERE rating = 4) AS r4,
                   count(*) FILTER (WHERE rating = 5) AS r5
              FROM reviews WHERE product_id = $1
            """, [.int(productID)]
        ).first
        let count = Int32(stats?["n"] ?? "") ?? 0
        if count > 0 {
            summary.count = count
            summary.averageRating = Float(((stats?.double("average") ?? 0) * 100).rounded() / 100)
            summary.histogram = ["r1", "r2", "r3", "r4", "r5"].map { Int32(stats?[$0] ?? "") ?? 0 }
        } else {
            // Imported catalogs carry a rating without review rows.
            summary.count = product.reviewCount
            summary.averageRating = product.rating
            summary.histogram = [0, 0, 0, 0, 0]
        }
        summary.topPositive = try connection.query(
            "SELECT \(columns) FROM reviews WHERE product_id = $1 AND rating >= 4 ORDER BY helpful_votes DESC, id LIMIT 1",
            [.int(productID)]
        ).first.map(review)
        summary.topNegative = try connection.query(
            "SELECT \(columns) FROM reviews WHERE product_id = $1 AND rating <= 2 ORDER BY helpful_votes DESC, id LIMIT 1",
            [.int(productID)]
        ).first.map(review)
        response.summary = summary
        return response
    }

    // MARK: - Forget me

    /// Deletes the user's events, vectors, carts and personal data (the foreign keys of
    /// 0002/0003 do the rest) and appends an audit record whose subject is the SHA-256 of the
    /// id. Forgetting an unknown user succeeds with `existed` false.
    public static func forget(userID: String, reason: String, requestID: String?, _ connection: PostgresConnection) throws
        -> RecV1.ForgetUserResponse
    {
        let counts = try connection.query(
            """
            SELECT (SELECT count(*) FROM events WHERE user_id = $1) AS events,
                   (SELECT count(*) FROM cart_items WHERE user_id = $1) AS cart_items
            """, [.text(userID)]
        ).first
        let deleted = try connection.query("DELETE FROM users WHERE id = $1 RETURNING id", [.text(userID)])
        // Every replica drops its cached vectors of the user at commit.
        try PersonalModels.announceChange(of: userID, connection)
        var response = RecV1.ForgetUserResponse()
        response.existed = !deleted.isEmpty
        response.eventsDeleted = Int32(counts?["events"] ?? "") ?? 0
        response.cartItemsDeleted = Int32(counts?["cart_items"] ?? "") ?? 0
        let audit = try connection.query(
            """
            INSERT INTO audit_log (actor, action, subject, request_id, details)
            VALUES ('rec-svc', 'user.forget', 'user:' || encode(sha256(convert_to($1, 'UTF8')), 'hex'), $2, $3::jsonb)
            RETURNING id
            """,
            [
                .text(userID), requestID.map { .text($0) } ?? .null,
                .text(
                    JSONValue.object([
                        "existed": .bool(response.existed), "events_deleted": JSONValue(Int(response.eventsDeleted)),
                        "cart_items_deleted": JSONValue(Int(response.cartItemsDeleted)), "reason": .string(reason),
                    ]).serialized()),
            ])
        response.auditID = audit.first?["id"] ?? ""
        return response
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
