internal import Postgres
internal import ServiceRuntime
public import Protos
public import RPCCore

/// `voiceshop.rec.v1.Rec`: search, recommendations, products, reviews, events, carts,
/// orders, forget-me and the vocabulary.
public struct RecRPCService: RecV1.Rec.ServiceProtocol {
    let runtime: RecRuntime

    public init(runtime: RecRuntime) {
        self.runtime = runtime
    }

    /// Search, similar items and product look-ups answer from the in-memory index, so they
    /// start on the event loop and usually reply with no thread hand-off. What they await
    /// (a signed-in shopper's vector, a query to encode, the database) moves them to the pool.
    public var methodsStartingOnLoop: [MethodDescriptor] {
        [RecV1.Rec.Method.Search.descriptor, RecV1.Rec.Method.SimilarItems.descriptor, RecV1.Rec.Method.GetProduct.descriptor]
    }

    // MARK: - Search and recommendations

    public func search(request: RecV1.SearchRequest, context: ServerContext) async throws -> RecV1.SearchResponse {
        let size = try pageSize(request.pageSize)
        guard request.page >= 0, Int(request.page) * size < 10_000 else {
            throw RPCError(code: .invalidArgument, message: "page must be from 0 and reach at most 10,000 results.")
        }
        guard request.query.utf8.count <= 2_048 else {
            throw RPCError(code: .invalidArgument, message: "The query is longer than 2,048 bytes.")
        }
        if case .unrecognized(let value) = request.sort {
            throw RPCError(code: .invalidArgument, message: "Unknown sort \(value).")
        }
        let query = SearchQuery(
            text: request.query, filters: SearchFilterSet(request.filters), sort: request.sort, page: Int(request.page),
            pageSize: size)
        let personal = await personalScorer(request.userID)
        let semantic = await runtime.semanticQuery(request.query)
        let outcome = runtime.index.search(query, personal: personal, semantic: semantic)
        var response = RecV1.SearchResponse()
        response.results = outcome.hits.map(Self.ranked)
        response.totalMatches = Int32(outcome.totalMatches)
        response.facets = outcome.facets
        response.relaxedFilters = outcome.relaxedFilters
        response.modelVersion = runtime.personal.versionDescription
        return response
    }

    /// σ(h_u·v_i) for the user, or nil (anonymous, no vector yet, or the database is away:
    /// search then answers unpersonalised rather than failing).
    func personalScorer(_ userID: String) async -> (@Sendable (Int64) -> Float?)? {
        guard !userID.isEmpty, !runtime.personal.models.isEmpty else { return nil }
        let personal = runtime.personal
        return try? await runtime.pool.withConnection { try personal.personalScorer(userID: userID, $0) }
    }

    static func ranked(_ hit: SearchHit) -> RecV1.RankedProduct {
        RecV1.RankedProduct(product: hit.product.proto, score: hit.score, why: hit.why, breakdown: hit.breakdown)
    }

    public func recommend(request: RecV1.RecommendRequest, context: ServerContext) async throws -> RecV1.RecommendResponse {
        let limit = try pageSize(request.limit)
        let excluded = Set(try request.excludeProductIDs.map { try productID($0, field: "exclude_product_ids") })
        var response = RecV1.RecommendResponse()
        response.modelVersion = "bm25-v1"
        // History: the categories and brands of what the user interacted with recently.
        var history: [(category: String, brand: String, weight: Double)] = []
        var seen: Set<Int64> = []
        if !request.userID.isEmpty {
            let rows = try await runtime.transaction(context) { connection in
                try connection.query(
                    """
                    SELECT product_id, type FROM events WHERE user_id = $1 AND product_id IS NOT NULL
                     ORDER BY occurred_at DESC LIMIT 200
                    """, [.text(request.userID)])
            }
            for row in rows {
                guard let id = Int64(row["product_id"] ?? ""), let product = runtime.index.product(id: id) else { continue }
                seen.insert(id)
                // A returned product says what the shopper did not want: no interest in its
                // category or brand from it.
                guard row["type"] != "return" else { continue }
                let weight = Double(EventStore.popularityWeights[row["type"] ?? ""] ?? 0.5)
                history.append((product.category, product.brand, weight))
            }
        }
        var scores: [Int64: (SearchHit, Double)] = [:]
        let filters = SearchFilterSet(request.filters)
        if !request.userID.isEmpty, let (model, user) = await userVector(request.userID) {
            // The seed model: the products with the largest h_u·v_i the user has not
            // interacted with, that pass the filters.
            let index = runtime.index
            let passes = index.matcher(filters)
            let found = model.items.exactSearch(user, k: limit) { id in
                !seen.contains(id) && !excluded.contains(id) && passes(id)
            }
            for neighbor in found {
                guard let product = index.product(id: neighbor.id) else { continue }
                var parts = RecV1.ScoreBreakdown()
                parts.personal = VectorMath.sigmoid(neighbor.score)
                let hit = SearchHit(
                    product: product, score: Double(parts.personal),
                    why: model.kind == .factors ? "shoppers with your taste liked it" : "like what you looked at", breakdown: parts)
                scores[product.id] = (hit, hit.score)
            }
            response.personalized = !scores.isEmpty
            response.modelVersion = model.version
        }
        if scores.isEmpty && history.isEmpty {
            // Cold start: the query itself, or what is popular.
            let outcome = runtime.index.search(
                SearchQuery(text: request.query, filters: SearchFilterSet(request.filters), page: 0, pageSize: limit + excluded.count))
            for hit in outcome.hits { scores[hit.product.id] = (hit, hit.score) }
        } else if scores.isEmpty {
            // History without a vector yet: the categories and brands of recent events.
            var categoryWeight: [String: Double] = [:]
            var brandWeight: [String: Double] = [:]
            for entry in history {
                categoryWeight[entry.category, default: 0] += entry.weight
                if !entry.brand.isEmpty { brandWeight[entry.brand, default: 0] += entry.weight }
            }
            let total = max(categoryWeight.values.reduce(0, +), 1)
            for (category, weight) in categoryWeight.sorted(by: { $0.value > $1.value }).prefix(5) {
                var filters = SearchFilterSet(request.filters)
                filters.category = filters.category ?? category
                let outcome = runtime.index.search(SearchQuery(text: request.query, filters: filters, page: 0, pageSize: limit * 2))
                for var hit in outcome.hits where !seen.contains(hit.product.id) {
                    let affinity = weight / total + (brandWeight[hit.product.brand] ?? 0) / total
                    hit.why = "because you looked at \(category.split(separator: "/").last.map(String.init) ?? category)"
                        + (brandWeight[hit.product.brand] != nil ? " and like \(hit.product.brand)" : "")
                    let score = hit.score + affinity
                    if score > scores[hit.product.id]?.1 ?? -.infinity { scores[hit.product.id] = (hit, score) }
                }
            }
            response.personalized = true
        }
        response.items = scores.values.filter { !excluded.contains($0.0.product.id) }
            .sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0.product.id < $1.0.product.id) }
            .prefix(limit).map { var hit = $0.0; hit.score = $0.1; return Self.ranked(hit) }
        return response
    }

    /// The user's vector in the best active space (factors first), if any.
    func userVector(_ userID: String) async -> (PersonalModel, [Float])? {
        let models = runtime.personal.models.sorted { $0.kind == .factors && $1.kind != .factors }
        guard !models.isEmpty else { return nil }
        return try? await runtime.pool.withConnection { connection -> (PersonalModel, [Float])? in
            for model in models {
                if let vector = try model.userVector(userID, connection) { return (model, vector) }
            }
            return nil
        }
    }

    /// Alternatives in embedding space: the products whose all-MiniLM-L6-v2 text vectors are
    /// nearest to this one's (the space hybrid search uses), so "Trail Running Shoes" finds
    /// sneakers that share no word with it. With a shopper, their personal score nudges the
    /// order (±0.1 at most, against similarities of about 0.3 to 0.9). nil when there are no
    /// text vectors or this product has none yet.
    func similarByTextVector(_ product: CatalogProduct, limit: Int, userID: String) async -> [RecV1.RankedProduct]? {
        guard let model = runtime.personal.models.first(where: { $0.kind == .textEmbedding }),
            let vector = model.items.vector(of: product.id)
        else { return nil }
        let index = runtime.index
        let wanted = limit + limit / 2
        let neighbors = model.items.search(vector, k: wanted, ef: max(wanted, 64), quantized: true) { id in
            id != product.id && index.product(id: id) != nil
        }
        let personal = await personalScorer(userID)
        let ranked = neighbors.compactMap { neighbor -> (product: CatalogProduct, score: Double, parts: RecV1.ScoreBreakdown)? in
            guard let other = index.product(id: neighbor.id) else { return nil }
            var parts = RecV1.ScoreBreakdown()
            parts.vector = neighbor.score
            parts.personal = personal?(neighbor.id) ?? 0.5
            return (other, Double(parts.vector) + 0.2 * Double(parts.personal - 0.5), parts)
        }
        .sorted { $0.score > $1.score || ($0.score == $1.score && $0.product.id < $1.product.id) }
        return ranked.prefix(limit).map { found in
            RecV1.RankedProduct(product: found.product.proto, score: found.score, why: "similar to \(product.title)", breakdown: found.parts)
        }
    }

    public func similarItems(request: RecV1.SimilarItemsRequest, context: ServerContext) async throws
        -> RecV1.SimilarItemsResponse
    {
        let id = try productID(request.productID)
        let limit = try pageSize(request.limit)
        guard let product = runtime.index.product(id: id) else {
            throw RPCError(code: .notFound, message: "There is no product \(id).")
        }
        var response = RecV1.SimilarItemsResponse()
        switch request.similarity {
        case .boughtTogether:
            let rows = try await runtime.transaction(context) { connection in
                try connection.query(
                    """
                    SELECT b.product_id, count(DISTINCT b.order_id) AS orders
                      FROM order_items a JOIN order_items b ON b.order_id = a.order_id AND b.product_id <> a.product_id
                      JOIN products p ON p.id = b.product_id AND p.deleted_at IS NULL
                     WHERE a.product_id = $1
                     GROUP BY b.product_id ORDER BY orders DESC, b.product_id LIMIT $2
                    """, [.int(id), .int(Int64(limit))])
            }
            for row in rows {
                guard let other = Int64(row["product_id"] ?? "").flatMap(runtime.index.product(id:)) else { continue }
                let orders = Int(row["orders"] ?? "") ?? 0
                response.items.append(
                    RecV1.RankedProduct(
                        product: other.proto, score: Double(orders),
                        why: "bought together with \(product.title) in \(orders) order\(orders == 1 ? "" : "s")"))
            }
        case .unrecognized(let value):
            throw RPCError(code: .invalidArgument, message: "Unknown similarity \(value).")
        default:
            if let nearest = await similarByTextVector(product, limit: limit, userID: request.userID), !nearest.isEmpty {
                response.items = nearest
                break
            }
            // Without text vectors: the same kind of product, those sharing its words first,
            // then the rest of its category by the ranking's priors (popularity, rating,
            // stock), widening the category from the full path to its top level when the path
            // alone has too few.
            let segments = product.category.split(separator: "/").map(String.init)
            var found: [Int64: SearchHit] = [:]
            var order: [Int64] = []
            let words = [product.title, product.brand].joined(separator: " ")
            for depth in stride(from: segments.count, through: 0, by: -1) where order.count < limit {
                var filters = SearchFilterSet()
                if depth > 0 { filters.category = segments.prefix(depth).joined(separator: "/") }
                for text in depth > 0 ? [words, ""] : [words] where order.count < limit {
                    let outcome = runtime.index.search(SearchQuery(text: text, filters: filters, page: 0, pageSize: limit + 1))
                    guard outcome.relaxedFilters.isEmpty else { continue }
                    for var hit in outcome.hits where hit.product.id != id && found[hit.product.id] == nil {
                        hit.why = "similar to \(product.title)"
                        found[hit.product.id] = hit
                        order.append(hit.product.id)
                    }
                }
            }
            response.items = order.prefix(limit).compactMap { found[$0].map(Self.ranked) }
        }
        return response
    }

    // MARK: - Products and reviews

    public func getProduct(request: RecV1.GetProductRequest, context: ServerContext) async throws -> RecV1.Product {
        if !request.productID.isEmpty {
            let id = try productID(request.productID)
            if let product = runtime.index.product(id: id) { return product.proto }
            throw RPCError(code: .notFound, message: "There is no product \(id).")
        }
        guard !request.sku.isEmpty else { throw RPCError(code: .invalidArgument, message: "product_id or sku is required.") }
        let sku = request.sku
        let product = try await runtime.transaction(context) { try CatalogStore.product(id: nil, sku: sku, $0) }
        guard let product else { throw RPCError(code: .notFound, message: "There is no product with sku \"\(sku)\".") }
        return product.proto
    }

    public func listReviews(request: RecV1.ListReviewsRequest, context: ServerContext) async throws
        -> RecV1.ListReviewsResponse
    {
        let id = try productID(request.productID)
        let size = try pageSize(request.pageSize)
        guard request.page >= 0 else { throw RPCError(code: .invalidArgument, message: "page must not be negative.") }
        return try await runtime.transaction(context) {
            try ShoppingStore.reviews(productID: id, order: request.order, page: Int(request.page), pageSize: size, $0)
        }
    }

    // MARK: - Funnel

    public func recordUtterance(request: RecV1.RecordUtteranceRequest, context: ServerContext) async throws
        -> RecV1.RecordUtteranceResponse
    {
        if let problem = Self.utteranceProblem(request) { throw RPCError(code: .invalidArgument, message: problem) }
        let recorded = try await runtime.transaction(context) { try FunnelStore.record(request, $0) }
        return RecV1.RecordUtteranceResponse(recorded: recorded)
    }

    /// The most utterances one `RecordUtterances` call may carry.
    static let maxUtterancesPerCall = 1_000

    public func recordUtterances(request: RecV1.RecordUtterancesRequest, context: ServerContext) async throws
        -> RecV1.RecordUtterancesResponse
    {
        guard request.utterances.count <= Self.maxUtterancesPerCall else {
            throw RPCError(
                code: .invalidArgument,
                message: "at most \(Self.maxUtterancesPerCall) utterances a call, not \(request.utterances.count).")
        }
        for (index, utterance) in request.utterances.enumerated() {
            if let problem = Self.utteranceProblem(utterance) {
                throw RPCError(code: .invalidArgument, message: "utterance \(index): \(problem)")
            }
        }
        if request.utterances.isEmpty { return RecV1.RecordUtterancesResponse(recorded: 0) }
        let recorded = try await runtime.transaction(context) { connection in
            try request.utterances.reduce(into: 0) { count, utterance in
                if try FunnelStore.record(utterance, connection) { count += 1 }
            }
        }
        return RecV1.RecordUtterancesResponse(recorded: Int32(recorded))
    }

    /// What is wrong with an utterance, or nil.
    static func utteranceProblem(_ request: RecV1.RecordUtteranceRequest) -> String? {
        guard !request.requestID.isEmpty, request.requestID.utf8.count <= 128 else {
            return "request_id is required (at most 128 bytes)."
        }
        guard request.source == "voice" || request.source == "text" else {
            return "source must be voice or text, not '\(request.source)'."
        }
        guard !request.intent.isEmpty, request.intent.utf8.count <= 64 else {
            return "intent is required (at most 64 bytes)."
        }
        guard (0...1).contains(request.asrConfidence), request.resultsShown >= 0, request.occurredAtMs >= 0 else {
            return "asr_confidence must be from 0 to 1; results_shown and occurred_at_ms must not be negative."
        }
        return nil
    }

    // MARK: - Events

    public func recordEvent(request: RecV1.RecordEventRequest, context: ServerContext) async throws
        -> RecV1.RecordEventResponse
    {
        guard let type = EventStore.name(of: request.type) else {
            throw RPCError(code: .invalidArgument, message: "type must be one of view, click, add_to_cart, remove_from_cart, purchase, return.")
        }
        let id = try productID(request.productID)
        guard request.quantity >= 0, request.quantity <= 1_000 else {
            throw RPCError(code: .invalidArgument, message: "quantity must be from 0 to 1,000.")
        }
        guard request.idempotencyKey.utf8.count <= 200, request.userID.utf8.count <= 128 else {
            throw RPCError(code: .invalidArgument, message: "idempotency_key must be at most 200 bytes and user_id at most 128.")
        }
        guard runtime.index.product(id: id) != nil else { throw RPCError(code: .notFound, message: "There is no product \(id).") }
        func text(_ value: String) -> String? { value.isEmpty ? nil : value }
        let event = EventStore.NewEvent(
            userID: text(request.userID), sessionID: text(request.sessionID), type: type, productID: id,
            quantity: max(1, Int(request.quantity)), position: request.position >= 0 ? Int(request.position) : nil,
            query: text(request.query), requestID: text(request.requestID) ?? context.requestID,
            idempotencyKey: text(request.idempotencyKey), occurredAtMs: request.occurredAtMs > 0 ? request.occurredAtMs : nil)
        let personal = runtime.personal
        let stored: (id: Int64, duplicate: Bool)
        do {
            // Stored with its online step on h_u, committed together.
            stored = try await runtime.transaction(context) { try personal.record(event, $0) }
        } catch let error as RPCError where (error.cause as? PostgresError)?.sqlState == "23503" {
            throw RPCError(code: .notFound, message: "There is no product \(id).")
        }
        // The step changed the user's vectors: this replica reads them afresh at once.
        if let user = event.userID { personal.forget(user) }
        if !stored.duplicate { runtime.index.addPopularity(EventStore.popularityWeights[type] ?? 0, to: id) }
        return RecV1.RecordEventResponse(eventID: String(stored.id), duplicate: stored.duplicate)
    }

    // MARK: - Carts and orders

    public func getCart(request: RecV1.GetCartRequest, context: ServerContext) async throws -> RecV1.Cart {
        let user = try requireUser(request.userID)
        return try await runtime.transaction(context) { try ShoppingStore.cart(userID: user, $0) }
    }

    public func addToCart(request: RecV1.AddToCartRequest, context: ServerContext) async throws -> RecV1.Cart {
        let user = try requireUser(request.userID)
        let id = try productID(request.productID)
        let quantity = request.quantity == 0 ? 1 : Int(request.quantity)
        let requestID = request.requestID.isEmpty ? context.requestID : request.requestID
        let cart = try await runtime.transaction(context) { connection in
            let cart = try ShoppingStore.addToCart(userID: user, productID: id, quantity: quantity, requestID: requestID, connection)
            _ = try EventStore.record(
                EventStore.NewEvent(userID: user, type: "add_to_cart", productID: id, quantity: quantity, requestID: requestID),
                connection)
            return cart
        }
        runtime.index.addPopularity(EventStore.popularityWeights["add_to_cart"] ?? 0, to: id)
        return cart
    }

    public func removeFromCart(request: RecV1.RemoveFromCartRequest, context: ServerContext) async throws -> RecV1.Cart {
        let user = try requireUser(request.userID)
        let id = try productID(request.productID)
        guard request.quantity >= 0 else { throw RPCError(code: .invalidArgument, message: "quantity must not be negative.") }
        return try await runtime.transaction(context) {
            try ShoppingStore.removeFromCart(userID: user, productID: id, quantity: Int(request.quantity), $0)
        }
    }

    public func checkout(request: RecV1.CheckoutRequest, context: ServerContext) async throws -> RecV1.Order {
        let user = try requireUser(request.userID)
        let key = request.idempotencyKey.isEmpty ? nil : request.idempotencyKey
        let address = request.shippingAddress.isEmpty ? nil : request.shippingAddress
        let requestID = context.requestID
        let (order, products) = try await runtime.transaction(context) { connection in
            let order = try ShoppingStore.checkout(
                userID: user, idempotencyKey: key, shippingAddress: address, requestID: requestID, personal: runtime.personal, connection)
            // The stock just taken, for this replica's index at once (others follow NOTIFY).
            return (order, try CatalogStore.products(ids: order.items.compactMap { Int64($0.productID) }, connection))
        }
        runtime.index.upsert(products)
        // As after RecordEvent: the purchases' steps changed the user's vectors.
        runtime.personal.forget(user)
        return order
    }

    public func getOrder(request: RecV1.GetOrderRequest, context: ServerContext) async throws -> RecV1.Order {
        let user = try requireUser(request.userID)
        let id = try productID(request.orderID, field: "order_id")
        return try await runtime.transaction(context) { try ShoppingStore.order(id: id, userID: user, $0) }
    }

    public func listOrders(request: RecV1.ListOrdersRequest, context: ServerContext) async throws -> RecV1.ListOrdersResponse {
        let user = try requireUser(request.userID)
        let size = try pageSize(request.pageSize)
        guard request.page >= 0 else { throw RPCError(code: .invalidArgument, message: "page must not be negative.") }
        return try await runtime.transaction(context) {
            try ShoppingStore.orders(userID: user, page: Int(request.page), pageSize: size, $0)
        }
    }

    public func requestReturn(request: RecV1.RequestReturnRequest, context: ServerContext) async throws
        -> RecV1.RequestReturnResponse
    {
        let user = try requireUser(request.userID)
        let order = try productID(request.orderID, field: "order_id")
        let products = try request.productIDs.map { try productID($0, field: "product_ids") }
        guard request.reason.utf8.count <= 2_000 else {
            throw RPCError(code: .invalidArgument, message: "The reason must be at most 2,000 bytes.")
        }
        let response = try await runtime.transaction(context) {
            try ShoppingStore.requestReturn(
                orderID: order, userID: user, productIDs: products, reason: request.reason.isEmpty ? nil : request.reason,
                idempotencyKey: request.idempotencyKey.isEmpty ? nil : request.idempotencyKey, personal: runtime.personal, $0)
        }
        // As after a checkout: the returns' steps changed the user's vectors.
        runtime.personal.forget(user)
        return response
    }

    // MARK: - Users and vocabulary

    public func forgetUser(request: RecV1.ForgetUserRequest, context: ServerContext) async throws -> RecV1.ForgetUserResponse {
        let user = try requireUser(request.userID)
        let requestID = context.requestID
        let response = try await runtime.transaction(context) {
            try ShoppingStore.forget(userID: user, reason: request.reason, requestID: requestID, $0)
        }
        runtime.personal.forget(user)
        runtime.logger.info("user forgotten", ["audit_id": response.auditID, "existed": response.existed])
        return response
    }

    public func vocabulary(request: RecV1.VocabularyRequest, context: ServerContext) async throws -> RecV1.VocabularyResponse {
        guard request.maxTerms >= 0, request.maxTerms <= 50_000 else {
            throw RPCError(code: .invalidArgument, message: "max_terms must be from 0 to 50,000.")
        }
        let current = try await runtime.transaction(context) { try CatalogStore.versions($0).vocabulary }
        return try await runtime.vocabulary(
            databaseVersion: current, knownVersion: request.knownVersion, maxTerms: request.maxTerms == 0 ? 5_000 : Int(request.maxTerms))
    }
}
