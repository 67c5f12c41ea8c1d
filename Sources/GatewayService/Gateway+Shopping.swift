internal import JSON
internal import Protos
internal import RPCCore

/// Products, reviews, recommendations, events, carts, orders and forget-me: each a rec-svc call.
extension Gateway {
    private func options(_ context: RequestContext) throws(GatewayError) -> CallOptions {
        try context.options(share: 0.95, stage: "rec")
    }

    private func checkID(_ id: String, _ what: String) throws(GatewayError) {
        guard !id.isEmpty, id.count <= 128 else { throw GatewayError.badRequest("the \(what) must have 1 to 128 characters", field: what) }
    }

    func product(_ id: String, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(id, "product id")
        var request = RecV1.GetProductRequest()
        request.productID = id
        let options = try options(context)
        let product = try await call("rec-svc") { try await downstreams.rec.getProduct(request, options: options) }
        return json(200, JSONMapping.product(product))
    }

    func reviews(_ id: String, _ query: QueryParameters, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(id, "product id")
        var request = RecV1.ListReviewsRequest()
        request.productID = id
        request.pageSize = Int32(try query.integer("page_size", range: 1...100) ?? 10)
        request.page = Int32(try query.integer("page", range: 0...100_000) ?? 0)
        switch try query.choice("order", ["helpful", "newest", "rating_desc", "rating_asc"]) {
        case "newest": request.order = .newest
        case "rating_desc": request.order = .ratingDesc
        case "rating_asc": request.order = .ratingAsc
        default: request.order = .helpful
        }
        let options = try options(context)
        let response = try await call("rec-svc") { try await downstreams.rec.listReviews(request, options: options) }
        return json(
            200,
            [
                "product_id": .string(id), "summary": JSONMapping.reviewSummary(response.summary),
                "reviews": .array(response.reviews.map(JSONMapping.review)),
            ])
    }

    func similar(_ id: String, _ query: QueryParameters, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(id, "product id")
        var request = RecV1.SimilarItemsRequest()
        request.productID = id
        request.limit = Int32(try query.integer("limit", range: 1...100) ?? 10)
        request.similarity = try query.choice("kind", ["similar", "bought_together"]) == "bought_together" ? .boughtTogether : .similar
        request.userID = query.values["user_id"] ?? ""
        let options = try options(context)
        let response = try await call("rec-svc") { try await downstreams.rec.similarItems(request, options: options) }
        return json(200, ["product_id": .string(id), "items": .array(response.items.map(JSONMapping.result))])
    }

    func recommendations(_ user: String, _ query: QueryParameters, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(user, "user id")
        var request = RecV1.RecommendRequest()
        request.userID = user
        request.limit = Int32(try query.integer("limit", range: 1...100) ?? 10)
        request.query = String((query.values["query"] ?? "").prefix(1000))
        let options = try options(context)
        let response = try await call("rec-svc") { try await downstreams.rec.recommend(request, options: options) }
        return json(
            200,
            [
                "user_id": .string(user), "personalized": .bool(response.personalized), "model_version": .string(response.modelVersion),
                "items": .array(response.items.map(JSONMapping.result)),
            ])
    }

    func forget(_ user: String, _ query: QueryParameters, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(user, "user id")
        var request = RecV1.ForgetUserRequest()
        request.userID = user
        request.reason = String((query.values["reason"] ?? "user request via gateway").prefix(200))
        let options = try options(context)
        let response = try await call("rec-svc") { try await downstreams.rec.forgetUser(request, options: options) }
        return json(
            200,
            [
                "user_id": .string(user), "existed": .bool(response.existed), "events_deleted": JSONValue(response.eventsDeleted),
                "cart_items_deleted": JSONValue(response.cartItemsDeleted), "audit_id": .string(response.auditID),
            ])
    }

    static let eventTypes: [String: RecV1.EventType] = [
        "view": .view, "click": .click, "add_to_cart": .addToCart, "remove_from_cart": .removeFromCart, "purchase": .purchase,
        "return": .return,
    ]

    /// `POST /v1/events`: a feedback event with the `request_id` that showed the product.
    func event(_ request: HTTPRequest, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try requireJSON(request.head)
        let body = try JSONBody(
            request.body,
            allowed: [
                "type", "product_id", "user_id", "request_id", "session_id", "quantity", "position", "query", "idempotency_key",
                "occurred_at_ms",
            ])
        guard let typeName = try body.string("type"), let type = Self.eventTypes[typeName] else {
            throw GatewayError.badRequest("'type' must be one of \(Self.eventTypes.keys.sorted().joined(separator: ", "))", field: "type")
        }
        guard let productID = try body.string("product_id", maxLength: 128), !productID.isEmpty else {
            throw GatewayError.badRequest("'product_id' is required", field: "product_id")
        }
        let userID = try user(request.head, body: try body.string("user_id", maxLength: 128))
        guard !userID.isEmpty else { throw GatewayError.badRequest("'user_id' (or the X-User-Id header) is required", field: "user_id") }
        var event = RecV1.RecordEventRequest()
        event.type = type
        event.productID = productID
        event.userID = userID
        event.requestID = try body.string("request_id", maxLength: 128) ?? ""
        event.sessionID = try body.string("session_id", maxLength: 128) ?? request.head.headers["x-session-id"] ?? ""
        event.quantity = Int32(try body.integer("quantity", range: 0...10_000) ?? 0)
        event.position = Int32(try body.integer("position", range: -1...10_000) ?? -1)
        event.query = try body.string("query") ?? ""
        event.idempotencyKey = try body.string("idempotency_key", maxLength: 128) ?? ""
        event.occurredAtMs = Int64(try body.integer("occurred_at_ms", range: 0...Int(Int64.max / 2)) ?? 0)
        let options = try options(context)
        let response = try await call("rec-svc") { try await downstreams.rec.recordEvent(event, options: options) }
        return json(response.duplicate ? 200 : 201, ["event_id": .string(response.eventID), "duplicate": .bool(response.duplicate)])
    }

    func cart(_ user: String, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(user, "user id")
        var request = RecV1.GetCartRequest()
        request.userID = user
        let options = try options(context)
        let cart = try await call("rec-svc") { try await downstreams.rec.getCart(request, options: options) }
        return json(200, JSONMapping.cart(cart))
    }

    func addCartItem(_ user: String, _ http: HTTPRequest, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(user, "user id")
        try requireJSON(http.head)
        let body = try JSONBody(http.body, allowed: ["product_id", "quantity", "request_id"])
        guard let productID = try body.string("product_id", maxLength: 128), !productID.isEmpty else {
            throw GatewayError.badRequest("'product_id' is required", field: "product_id")
        }
        var request = RecV1.AddToCartRequest()
        request.userID = user
        request.productID = productID
        request.quantity = Int32(try body.integer("quantity", range: 1...1000) ?? 1)
        request.requestID = try body.string("request_id", maxLength: 128) ?? context.requestID
        let options = try options(context)
        let cart = try await call("rec-svc") { try await downstreams.rec.addToCart(request, options: options) }
        return json(200, JSONMapping.cart(cart))
    }

    func removeCartItem(_ user: String, _ product: String, _ query: QueryParameters, _ context: RequestContext) async throws(GatewayError)
        -> HTTPResponse
    {
        try checkID(user, "user id")
        try checkID(product, "product id")
        var request = RecV1.RemoveFromCartRequest()
        request.userID = user
        request.productID = product
        request.quantity = Int32(try query.integer("quantity", range: 0...1000) ?? 0)
        let options = try options(context)
        let cart = try await call("rec-svc") { try await downstreams.rec.removeFromCart(request, options: options) }
        return json(200, JSONMapping.cart(cart))
    }

    func checkout(_ user: String, _ http: HTTPRequest, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(user, "user id")
        try requireJSON(http.head)
        let body = http.body.isEmpty ? nil : try JSONBody(http.body, allowed: ["idempotency_key", "shipping_address"])
        var request = RecV1.CheckoutRequest()
        request.userID = user
        request.idempotencyKey = try body?.string("idempotency_key", maxLength: 128) ?? "gw-" + context.requestID
        request.shippingAddress = try body?.string("shipping_address", maxLength: 500) ?? ""
        let options = try options(context)
        let order = try await call("rec-svc") { try await downstreams.rec.checkout(request, options: options) }
        return json(201, JSONMapping.order(order))
    }

    func orders(_ user: String, _ query: QueryParameters, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(user, "user id")
        var request = RecV1.ListOrdersRequest()
        request.userID = user
        request.pageSize = Int32(try query.integer("page_size", range: 1...100) ?? 10)
        request.page = Int32(try query.integer("page", range: 0...100_000) ?? 0)
        let options = try options(context)
        let response = try await call("rec-svc") { try await downstreams.rec.listOrders(request, options: options) }
        return json(200, ["orders": .array(response.orders.map(JSONMapping.order)), "total": JSONValue(response.total)])
    }

    func order(_ user: String, _ orderID: String, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try checkID(user, "user id")
        try checkID(orderID, "order id")
        var request = RecV1.GetOrderRequest()
        request.userID = user
        request.orderID = orderID
        let options = try options(context)
        let order = try await call("rec-svc") { try await downstreams.rec.getOrder(request, options: options) }
        return json(200, JSONMapping.order(order))
    }

    func requestReturn(_ user: String, _ orderID: String, _ http: HTTPRequest, _ context: RequestContext) async throws(GatewayError)
        -> HTTPResponse
    {
        try checkID(user, "user id")
        try checkID(orderID, "order id")
        try requireJSON(http.head)
        let body = http.body.isEmpty ? nil : try JSONBody(http.body, allowed: ["product_ids", "reason", "idempotency_key"])
        var request = RecV1.RequestReturnRequest()
        request.userID = user
        request.orderID = orderID
        request.productIDs = try body?.strings("product_ids") ?? []
        request.reason = try body?.string("reason", maxLength: 500) ?? ""
        request.idempotencyKey = try body?.string("idempotency_key", maxLength: 128) ?? "gw-" + context.requestID
        let options = try options(context)
        let response = try await call("rec-svc") { try await downstreams.rec.requestReturn(request, options: options) }
        return json(
            201,
            [
                "return": JSONMapping.returnInfo(response.returnInfo ?? RecV1.ReturnInfo()),
                "order": response.order.map(JSONMapping.order) ?? .null,
            ])
    }
}
