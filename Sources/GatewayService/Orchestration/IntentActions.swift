internal import JSON
internal import Protos
internal import RPCCore

/// What an intent led to: results to show, an action's outcome, the spoken reply.
struct ActionOutcome {
    var results: [RecV1.RankedProduct] = []
    var facets: RecV1.Facets?
    var action: JSONValue?
    var reply = ""
    var orderID = ""
    /// Whether this was a search (its filters become the session's).
    var searched = false
    /// The one product this was about (details, price, reviews, add to cart): "it" next time.
    var focusProductID = ""
}

/// Turns one parsed utterance into rec-svc calls and a reply.
///
/// Expected failures of an action (an unknown order, an order of someone else, an empty
/// cart) are answered with a reply and the action's `status`; rec-svc being unreachable or
/// too slow is an error (503, 504) for the caller to report.
struct IntentActions {
    let downstreams: Downstreams
    let context: RequestContext
    let parse: NLUV1.ParseResponse
    let session: SessionState
    /// The shopper for carts and orders: the signed-in user, or a guest id from the session.
    let userID: String
    let signedIn: Bool
    let sessionID: String

    private var rec: RecV1.Rec.Client { downstreams.rec }

    private func options() throws(GatewayError) -> CallOptions { try context.options(share: 0.95, stage: "rec") }

    mutating func perform() async throws -> ActionOutcome {
        switch parse.intent {
        case .searchProducts, .unspecified, .unrecognized: return try await search()
        case .askPrice: return try await askPrice()
        case .comparePrices: return try await comparePrices()
        case .productDetails: return try await productDetails()
        case .readReviews: return try await readReviews()
        case .addToCart: return try await addToCart()
        case .removeFromCart: return try await removeFromCart()
        case .viewCart: return try await viewCart()
        case .checkout: return try await checkout()
        case .orderStatus, .trackShipment: return try await orderStatus(tracking: parse.intent == .trackShipment)
        case .returnItem: return try await returnItem()
        case .customerService:
            var outcome = ActionOutcome()
            outcome.action = ["type": "customer_service", "status": "handoff", "details": [:]]
            outcome.reply = "I'll pass you to customer service. A person will get back to you shortly."
            return outcome
        case .greetingHelp:
            var outcome = ActionOutcome()
            outcome.action = ["type": "help", "status": "ok", "details": [:]]
            outcome.reply =
                "Hi! I can find products, read reviews, add things to your cart, check out, and tell you where your order is. Try: show me red dresses under fifty dollars."
            return outcome
        case .outOfScope:
            var outcome = ActionOutcome()
            outcome.action = ["type": "out_of_scope", "status": "unsupported", "details": [:]]
            outcome.reply = "Sorry, I can only help with shopping: finding products, your cart and your orders."
            return outcome
        }
    }

    // MARK: Search

    private func searchResponse(pageSize: Int32 = 10) async throws -> RecV1.SearchResponse {
        var request = RecV1.SearchRequest()
        // The content words only: with none ("what about under thirty dollars", which refines
        // the last search), the filters alone select. The whole sentence would search for
        // "about" and "under" (and find Under Armour).
        request.query = parse.searchText
        request.filters = JSONMapping.searchFilters(parse.filters)
        request.sort = JSONMapping.sort(parse.sort)
        request.userID = signedIn ? userID : ""
        request.sessionID = sessionID
        request.pageSize = pageSize
        return try await rec.search(request, options: try options())
    }

    private func describe(_ response: RecV1.SearchResponse) -> String {
        parse.replyHint.isEmpty ? (parse.searchText.isEmpty ? "products" : parse.searchText) : parse.replyHint
    }

    private func search() async throws -> ActionOutcome {
        let response = try await searchResponse()
        var outcome = ActionOutcome(results: response.results, facets: response.facets, searched: true)
        let what = describe(response)
        guard let top = response.results.first, let product = top.product else {
            // Nothing for a vague request ("something nice for my mom") with no filter to drop:
            // offer picks (the shopper's own when signed in, else for these words or popular).
            if (parse.filters ?? NLUV1.Filters()) == NLUV1.Filters() {
                var request = RecV1.RecommendRequest()
                request.userID = signedIn ? userID : ""
                request.query = parse.searchText
                request.limit = 10
                // Best effort: without picks the answer is still the "sorry" below.
                if let picks = try? await rec.recommend(request, options: try options()), let first = picks.items.first?.product {
                    var fallback = ActionOutcome(results: picks.items, facets: nil, searched: true)
                    let whose = picks.personalized ? "some picks for you" : "some popular picks"
                    fallback.reply =
                        "I couldn't find anything for that, so here are \(whose). The first is \(first.title) for \(JSONMapping.spokenPrice(first.price, currency: first.currency))."
                    return fallback
                }
            }
            outcome.reply = "Sorry, I couldn't find any \(what)."
            return outcome
        }
        var reply = ""
        if !response.relaxedFilters.isEmpty {
            let dropped = response.relaxedFilters.map { $0.replacingUnderscores }.joined(separator: " and ")
            reply = "I couldn't find \(what) exactly, so I ignored the \(dropped). "
        }
        let count = response.totalMatches
        reply += count == 1 ? "I found one match" : "I found \(count) \(response.relaxedFilters.isEmpty ? what : "matches")"
        // The first result is the one the sort asked for.
        let lead =
            switch parse.sort {
            case .priceAsc: "The cheapest"
            case .priceDesc: "The most expensive"
            case .ratingDesc: "The best rated"
            case .newest: "The newest"
            default: "The top one"
            }
        reply += ". \(lead) is \(product.title)"
        if !product.brand.isEmpty && !product.title.lowercased().contains(product.brand.lowercased()) { reply += " by \(product.brand)" }
        reply += " for \(JSONMapping.spokenPrice(product.price, currency: product.currency))."
        outcome.reply = reply
        return outcome
    }

    /// The product an utterance is about: one it refers to ("the second one"), or the top
    /// search result for its words.
    private func targetProduct() async throws -> (RecV1.Product?, ActionOutcome) {
        if let id = parse.productIDs.first {
            var request = RecV1.GetProductRequest()
            request.productID = id
            let product = try await rec.getProduct(request, options: try options())
            return (product, ActionOutcome())
        }
        let hasWords = !(parse.searchText.isEmpty && parse.correctedText.isEmpty)
        if hasWords, !parse.searchText.isEmpty || parse.filters != nil {
            let response = try await searchResponse(pageSize: 5)
            if let product = response.results.first?.product {
                return (product, ActionOutcome(results: response.results, facets: response.facets, searched: true))
            }
        }
        if let id = session.focusedProductID {
            var request = RecV1.GetProductRequest()
            request.productID = id
            return (try await rec.getProduct(request, options: try options()), ActionOutcome())
        }
        return (nil, ActionOutcome())
    }

    private func askPrice() async throws -> ActionOutcome {
        var (product, outcome) = try await targetProduct()
        guard let product else { return notFound(&outcome, type: "ask_price", "Which product do you mean? Try searching for it first.") }
        outcome.focusProductID = product.id
        outcome.action = ["type": "ask_price", "status": "ok", "details": ["product_id": .string(product.id), "price": JSONMapping.number(product.price, places: 2)]]
        outcome.reply = "\(product.title) costs \(JSONMapping.spokenPrice(product.price, currency: product.currency))."
        return outcome
    }

    private func comparePrices() async throws -> ActionOutcome {
        var results: [RecV1.RankedProduct]
        var facets: RecV1.Facets?
        if parse.productIDs.count >= 2 {
            results = []
            for id in parse.productIDs.prefix(5) {
                var request = RecV1.GetProductRequest()
                request.productID = id
                results.append(RecV1.RankedProduct(product: try await rec.getProduct(request, options: try options())))
            }
        } else {
            let response = try await searchResponse()
            results = response.results
            facets = response.facets
        }
        var outcome = ActionOutcome(results: results, facets: facets, searched: parse.productIDs.count < 2)
        let products = results.compactMap(\.product)
        guard let cheapest = products.min(by: { $0.price < $1.price }), let dearest = products.max(by: { $0.price < $1.price }) else {
            return notFound(&outcome, type: "compare_prices", "I couldn't find products to compare.")
        }
        outcome.action = [
            "type": "compare_prices", "status": "ok",
            "details": ["cheapest_id": .string(cheapest.id), "most_expensive_id": .string(dearest.id)],
        ]
        outcome.reply =
            "The cheapest is \(cheapest.title) at \(JSONMapping.spokenPrice(cheapest.price, currency: cheapest.currency)); the most expensive is \(dearest.title) at \(JSONMapping.spokenPrice(dearest.price, currency: dearest.currency))."
        return outcome
    }

    private func productDetails() async throws -> ActionOutcome {
        var (product, outcome) = try await targetProduct()
        guard let product else { return notFound(&outcome, type: "product_details", "Which product do you mean? Try searching for it first.") }
        var facts: [String] = []
        var attributes: [String: [String]] = [:]
        for attribute in product.attributes { attributes[attribute.name, default: []].append(attribute.value) }
        if let material = attributes["material"]?.first { facts.append("it's made of \(material)") }
        if let colors = attributes["color"], !colors.isEmpty { facts.append("it comes in \(colors.joined(separator: ", "))") }
        if let sizes = attributes["size"], !sizes.isEmpty { facts.append("sizes \(sizes.joined(separator: ", "))") }
        facts.append(product.stock > 0 ? "it's in stock" : "it's out of stock")
        outcome.focusProductID = product.id
        outcome.action = ["type": "product_details", "status": "ok", "details": ["product": JSONMapping.product(product)]]
        outcome.reply = "\(product.title) by \(product.brand), \(JSONMapping.spokenPrice(product.price, currency: product.currency)): \(facts.joined(separator: "; "))."
        return outcome
    }

    private func readReviews() async throws -> ActionOutcome {
        var (product, outcome) = try await targetProduct()
        guard let product else { return notFound(&outcome, type: "read_reviews", "Which product's reviews do you want? Try searching for it first.") }
        var request = RecV1.ListReviewsRequest()
        request.productID = product.id
        request.pageSize = 3
        let reviews = try await rec.listReviews(request, options: try options())
        let summary = reviews.summary ?? RecV1.ReviewSummary()
        outcome.focusProductID = product.id
        outcome.action = [
            "type": "read_reviews", "status": "ok",
            "details": [
                "product_id": .string(product.id), "title": .string(product.title), "summary": JSONMapping.reviewSummary(reviews.summary),
                "reviews": .array(reviews.reviews.map(JSONMapping.review)),
            ],
        ]
        if summary.count == 0 {
            outcome.reply = "\(product.title) has no reviews yet."
            return outcome
        }
        var reply =
            "\(product.title) has an average of \(JSONMapping.spokenNumber(Double(summary.averageRating))) stars from \(summary.count) review\(summary.count == 1 ? "" : "s")."
        if let positive = summary.topPositive {
            reply += " One reviewer said: \(Self.quote(positive))."
        }
        if let negative = summary.topNegative {
            reply += " A critical one said: \(Self.quote(negative))."
        }
        outcome.reply = reply
        return outcome
    }

    /// "1 item", "3 items".
    static func items(_ count: Int) -> String { count == 1 ? "1 item" : "\(count) items" }

    private static func quote(_ review: RecV1.Review) -> String {
        let text = review.title.isEmpty ? review.body : review.title
        let words = text.split(separator: " ")
        let short = words.prefix(20).joined(separator: " ")
        var quoted = words.count > 20 ? short + "…" : short
        while let last = quoted.last, last == "." || last == "!" { quoted.removeLast() }
        return "“\(quoted)”"
    }

    // MARK: Cart

    private func needsUser(_ type: String) -> ActionOutcome {
        var outcome = ActionOutcome()
        outcome.action = ["type": .string(type), "status": "needs_user", "details": [:]]
        outcome.reply = "Please sign in first (send X-User-Id), or keep a session (X-Session-Id) so I can keep a cart for you."
        return outcome
    }

    private func notFound(_ outcome: inout ActionOutcome, type: String, _ reply: String) -> ActionOutcome {
        outcome.action = ["type": .string(type), "status": "not_found", "details": [:]]
        outcome.reply = reply
        return outcome
    }

    private func addToCart() async throws -> ActionOutcome {
        guard !userID.isEmpty else { return needsUser("add_to_cart") }
        // "Add two of those": the product the utterance refers to, else the one last talked
        // about, else the first one shown.
        let productID = parse.productIDs.first ?? session.focusedProductID
        var outcome = ActionOutcome()
        guard let productID else {
            return notFound(&outcome, type: "add_to_cart", "Which product should I add? Search for something first, then say add it to my cart.")
        }
        let quantity = max(1, parse.quantity)
        var request = RecV1.AddToCartRequest()
        request.userID = userID
        request.productID = productID
        request.quantity = quantity
        request.requestID = session.requestID.isEmpty ? context.requestID : session.requestID
        let cart: RecV1.Cart
        do {
            cart = try await rec.addToCart(request, options: try options())
        } catch let error as RPCError where error.code == .notFound || error.code == .failedPrecondition || error.code == .invalidArgument {
            outcome.action = ["type": "add_to_cart", "status": "failed", "details": ["product_id": .string(productID), "reason": .string(error.message)]]
            outcome.reply = "Sorry, I couldn't add that to your cart: \(error.message)"
            return outcome
        }
        let title = cart.items.first { $0.product?.id == productID }?.product?.title ?? "it"
        outcome.focusProductID = productID
        outcome.action = [
            "type": "add_to_cart", "status": "added",
            "details": ["product_id": .string(productID), "quantity": JSONValue(quantity), "cart": JSONMapping.cart(cart)],
        ]
        outcome.reply =
            "Added \(quantity == 1 ? "" : "\(quantity) of ")\(title) to your cart. You now have \(Self.items(Int(cart.itemCount))) for \(JSONMapping.spokenPrice(cart.subtotal, currency: cart.currency))."
        return outcome
    }

    private func removeFromCart() async throws -> ActionOutcome {
        guard !userID.isEmpty else { return needsUser("remove_from_cart") }
        var outcome = ActionOutcome()
        var productID = parse.productIDs.first
        if productID == nil {
            var cartRequest = RecV1.GetCartRequest()
            cartRequest.userID = userID
            productID = try await rec.getCart(cartRequest, options: try options()).items.last?.product?.id
        }
        guard let productID else { return notFound(&outcome, type: "remove_from_cart", "Your cart is empty.") }
        var request = RecV1.RemoveFromCartRequest()
        request.userID = userID
        request.productID = productID
        request.quantity = parse.quantity
        let cart: RecV1.Cart
        do {
            cart = try await rec.removeFromCart(request, options: try options())
        } catch let error as RPCError where error.code == .notFound {
            return notFound(&outcome, type: "remove_from_cart", "That isn't in your cart.")
        }
        outcome.action = ["type": "remove_from_cart", "status": "removed", "details": ["product_id": .string(productID), "cart": JSONMapping.cart(cart)]]
        outcome.reply = "Done. Your cart now has \(Self.items(Int(cart.itemCount)))."
        return outcome
    }

    private func viewCart() async throws -> ActionOutcome {
        guard !userID.isEmpty else { return needsUser("view_cart") }
        var request = RecV1.GetCartRequest()
        request.userID = userID
        let cart = try await rec.getCart(request, options: try options())
        var outcome = ActionOutcome()
        outcome.action = ["type": "view_cart", "status": "ok", "details": ["cart": JSONMapping.cart(cart)]]
        if cart.items.isEmpty {
            outcome.reply = "Your cart is empty."
        } else {
            let lines = cart.items.prefix(3).map { "\($0.quantity) × \($0.product?.title ?? "item")" }.joined(separator: ", ")
            outcome.reply =
                "Your cart has \(Self.items(Int(cart.itemCount))) for \(JSONMapping.spokenPrice(cart.subtotal, currency: cart.currency)): \(lines)\(cart.items.count > 3 ? ", and more" : "")."
        }
        return outcome
    }

    private func checkout() async throws -> ActionOutcome {
        guard !userID.isEmpty else { return needsUser("checkout") }
        var request = RecV1.CheckoutRequest()
        request.userID = userID
        request.idempotencyKey = "gw-" + context.requestID
        var outcome = ActionOutcome()
        do {
            let order = try await rec.checkout(request, options: try options())
            outcome.orderID = order.id
            outcome.action = ["type": "checkout", "status": "placed", "details": ["order": JSONMapping.order(order)]]
            outcome.reply =
                "Your order \(order.id) is placed: \(Self.items(order.items.reduce(0) { $0 + Int($1.quantity) })) for \(JSONMapping.spokenPrice(order.total, currency: order.currency))."
        } catch let error as RPCError where error.code == .failedPrecondition || error.code == .invalidArgument || error.code == .notFound {
            outcome.action = ["type": "checkout", "status": "failed", "details": ["reason": .string(error.message)]]
            outcome.reply = "I couldn't check out: \(error.message)"
        }
        return outcome
    }

    // MARK: Orders

    private func resolveOrder() async throws -> String? {
        if !parse.orderID.isEmpty { return parse.orderID }
        if !session.orderID.isEmpty { return session.orderID }
        var request = RecV1.ListOrdersRequest()
        request.userID = userID
        request.pageSize = 1
        return try await rec.listOrders(request, options: try options()).orders.first?.id
    }

    private func fetchOrder(_ orderID: String, type: String, outcome: inout ActionOutcome) async throws -> RecV1.Order? {
        var request = RecV1.GetOrderRequest()
        request.orderID = orderID
        request.userID = userID
        do {
            return try await rec.getOrder(request, options: try options())
        } catch let error as RPCError where error.code == .notFound || error.code == .permissionDenied || error.code == .invalidArgument {
            outcome.orderID = orderID
            let mine = error.code == .permissionDenied
            outcome.action = ["type": .string(type), "status": mine ? "forbidden" : "not_found", "details": ["order_id": .string(orderID)]]
            outcome.reply = mine ? "Order \(orderID) isn't on your account." : "I couldn't find order \(orderID)."
            return nil
        }
    }

    private func orderStatus(tracking: Bool) async throws -> ActionOutcome {
        let type = tracking ? "track_shipment" : "order_status"
        guard signedIn || !parse.orderID.isEmpty else { return needsUser(type) }
        var outcome = ActionOutcome()
        guard let orderID = try await resolveOrder() else { return notFound(&outcome, type: type, "I couldn't find any orders on your account.") }
        guard let order = try await fetchOrder(orderID, type: type, outcome: &outcome) else { return outcome }
        outcome.orderID = order.id
        let status = JSONMapping.enumName(order.status, prefix: "ORDER_STATUS_")
        outcome.action = ["type": .string(type), "status": .string(status), "details": ["order": JSONMapping.order(order)]]
        var reply = "Order \(order.id) is \(status.replacingUnderscores)."
        if let shipment = order.shipment {
            if !shipment.carrier.isEmpty { reply += " It's with \(shipment.carrier)" + (shipment.status.isEmpty ? "." : ": \(shipment.status).") }
            if tracking && !shipment.trackingNumber.isEmpty { reply += " The tracking number is \(shipment.trackingNumber)." }
            if tracking && !shipment.location.isEmpty { reply += " Last seen in \(shipment.location)." }
            if shipment.estimatedDeliveryMs > 0 && order.status != .delivered {
                reply += " Expected delivery: \(JSONMapping.date(ms: shipment.estimatedDeliveryMs))."
            }
        }
        outcome.reply = reply
        return outcome
    }

    private func returnItem() async throws -> ActionOutcome {
        guard signedIn else { return needsUser("return_item") }
        var outcome = ActionOutcome()
        guard let orderID = try await resolveOrder() else { return notFound(&outcome, type: "return_item", "Which order do you want to return?") }
        var request = RecV1.RequestReturnRequest()
        request.orderID = orderID
        request.userID = userID
        request.productIDs = parse.productIDs
        request.reason = "voice request"
        request.idempotencyKey = "gw-" + context.requestID
        outcome.orderID = orderID
        do {
            let response = try await rec.requestReturn(request, options: try options())
            let info = response.returnInfo ?? RecV1.ReturnInfo()
            outcome.action = ["type": "return_item", "status": "requested", "details": ["return": JSONMapping.returnInfo(info), "order_id": .string(orderID)]]
            outcome.reply = "I've started a return for order \(orderID). Its number is \(info.id)."
        } catch let error as RPCError
            where [.notFound, .permissionDenied, .failedPrecondition, .invalidArgument].contains(error.code)
        {
            outcome.action = ["type": "return_item", "status": "failed", "details": ["order_id": .string(orderID), "reason": .string(error.message)]]
            outcome.reply = "I couldn't start a return for order \(orderID): \(error.message)"
        }
        return outcome
    }
}

extension JSONMapping {
    /// A rating as a voice reply says it: "4.5", "4".
    static func spokenNumber(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
