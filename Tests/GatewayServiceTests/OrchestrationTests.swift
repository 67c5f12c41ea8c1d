import GatewayService
import JSON
import Protos
import RPCCore
import Synchronization
import Testing

@Suite("Voice and text search through fake downstream services")
struct OrchestrationTests {
    /// A confident parse of `request` as `intent`, which each fake then fills in.
    static func confidentParse(_ request: NLUV1.ParseRequest, _ intent: NLUV1.Intent = .unspecified) -> NLUV1.ParseResponse {
        var parse = NLUV1.ParseResponse()
        parse.intent = intent
        parse.confidence = 0.9
        parse.correctedText = request.text
        return parse
    }

    static func searchParse(_ request: NLUV1.ParseRequest) -> NLUV1.ParseResponse {
        var parse = NLUV1.ParseResponse()
        parse.intent = .searchProducts
        parse.confidence = 0.93
        parse.correctedText = request.text
        parse.searchText = "dresses"
        parse.replyHint = "red dresses under $50"
        var filters = NLUV1.Filters()
        filters.color = "red"
        filters.priceMax = 50
        filters.category = "dresses"
        parse.filters = filters
        return parse
    }

    @Test("a sorted search's reply names what the sort put first", arguments: [
        (NLUV1.Sort.priceAsc, RecV1.Sort.priceAsc, "The cheapest is Red Summer Dress"),
        (.ratingDesc, .ratingDesc, "The best rated is Red Summer Dress"), (.unspecified, .unspecified, "The top one is Red Summer Dress"),
    ])
    func sortedSearchReply(_ sort: NLUV1.Sort, _ recSort: RecV1.Sort, _ expected: String) async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.parse.withLock {
                $0 = { request in
                    var parse = Self.searchParse(request)
                    parse.sort = sort
                    return parse
                }
            }
            mesh.search.withLock {
                $0 = { request in
                    #expect(request.sort == recSort)
                    var response = RecV1.SearchResponse()
                    response.results = [RecV1.RankedProduct(product: fakeProduct("p1", title: "Red Summer Dress", price: 39.99), score: 1)]
                    response.totalMatches = 3
                    return response
                }
            }
            let (status, json, _) = await gateway.send(.post, "/v1/search", json: #"{"text": "cheapest red dresses under fifty dollars"}"#)
            #expect(status == 200)
            let reply = try #require(json["reply"]?.stringValue)
            #expect(reply.hasPrefix("I found 3 red dresses under $50. \(expected) by Zara for $39.99."), "\(reply)")
        }
    }

    @Test("text search: filters, results in the contract's shape, reply, timings; ids and deadlines propagate")
    func textSearch() async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.parse.withLock { $0 = { Self.searchParse($0) } }
            mesh.search.withLock {
                $0 = { request in
                    #expect(request.filters?.priceMax == 50 && request.filters?.color == "red")
                    #expect(request.query == "dresses")
                    var response = RecV1.SearchResponse()
                    response.results = [
                        RecV1.RankedProduct(product: fakeProduct("p1", title: "Red Summer Dress", price: 39.99), score: 1, why: "matches 'dress'")
                    ]
                    response.totalMatches = 1
                    return response
                }
            }
            let (status, json, response) = await gateway.send(
                .post, "/v1/search", json: #"{"text": "show me red dresses under fifty dollars"}"#,
                headers: ["x-request-id": "req-abc-123", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"])
            #expect(status == 200)
            #expect(json["request_id"]?.stringValue == "req-abc-123")
            #expect(response.header("X-Request-Id") == "req-abc-123")
            #expect(json["intent"]?["name"]?.stringValue == "search_products")
            #expect(json["filters"]?["price_max"] == .number("50"))
            #expect(json["filters"]?["color"]?.stringValue == "red")
            let first = try #require(json["results"]?[0])
            for field in ["id", "sku", "title", "brand", "category", "price", "currency", "rating", "review_count", "image_url", "why"] {
                #expect(first[field] != nil, "result field \(field)")
            }
            #expect(first["price"] == .number("39.99"))
            #expect(json["reply"]?.stringValue?.contains("Red Summer Dress") == true)
            #expect(json["timings_ms"]?["nlu"] != nil && json["timings_ms"]?["rec"] != nil && json["timings_ms"]?["total"] != nil)
            #expect(json["transcript"] == nil, "text search has no transcript")
            let calls = mesh.calls.withLock { $0 }
            #expect(calls.map(\.method) == ["Parse", "Search"])
            for call in calls {
                #expect(call.requestID == "req-abc-123")
                #expect(call.traceParent?.hasPrefix("00-0af7651916cd43dd8448eb211c80319c-") == true)
                #expect(call.traceParent?.contains("b7ad6b7169203331") == false, "the gateway sends its own span id")
                let timeout = try #require(call.timeout)
                #expect(timeout > .zero && timeout <= .seconds(30))
            }
            // NLU may use 40% of the time left (30 s here); rec-svc nearly all of the rest.
            #expect(calls[0].timeout! <= .seconds(12))
            #expect(calls[1].timeout! > calls[0].timeout!)
        }
    }

    @Test("a session carries context: 'add two of those' adds two of the first result")
    func sessionContext() async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.parse.withLock {
                $0 = { request in
                    if request.text.hasPrefix("add") {
                        var parse = Self.confidentParse(request, .addToCart)
                        parse.quantity = 2
                        parse.productIDs = Array(request.context?.previousProductIDs.prefix(1) ?? [])
                        return parse
                    }
                    return Self.searchParse(request)
                }
            }
            mesh.search.withLock {
                $0 = { _ in
                    RecV1.SearchResponse(
                        results: [
                            RecV1.RankedProduct(product: fakeProduct("p1", title: "Red Dress", price: 39)),
                            RecV1.RankedProduct(product: fakeProduct("p2", title: "Red Skirt", price: 29)),
                        ], totalMatches: 2)
                }
            }
            mesh.addToCart.withLock {
                $0 = { request in
                    #expect(request.productID == "p1" && request.quantity == 2 && request.userID == "guest-session-42")
                    var cart = RecV1.Cart()
                    cart.userID = request.userID
                    cart.items = [RecV1.CartItem(product: fakeProduct("p1", title: "Red Dress", price: 39), quantity: 2, lineTotal: 78)]
                    cart.itemCount = 2
                    cart.subtotal = 78
                    cart.currency = "USD"
                    return cart
                }
            }
            let first = await gateway.send(.post, "/v1/search", json: #"{"text": "red dresses"}"#, headers: ["x-session-id": "session-42"])
            #expect(first.status == 200)
            let second = await gateway.send(.post, "/v1/search", json: #"{"text": "add two of those to my cart"}"#, headers: ["x-session-id": "session-42"])
            #expect(second.status == 200)
            #expect(second.json["intent"]?["name"]?.stringValue == "add_to_cart")
            #expect(second.json["quantity"] == .number("2"))
            #expect(second.json["action"]?["type"]?.stringValue == "add_to_cart")
            #expect(second.json["action"]?["status"]?.stringValue == "added")
            #expect(second.json["action"]?["details"]?["cart"]?["items"]?[0]?["quantity"] == .number("2"))
            #expect(second.json["reply"]?.stringValue?.contains("2 of Red Dress") == true)
        }
    }

    @Test("the product last talked about is the session's focus (\"it\") until the next search; a refinement searches by its filters alone")
    func sessionFocus() async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.parse.withLock {
                $0 = { request in
                    var parse = Self.confidentParse(request)
                    let context = request.context ?? NLUV1.SessionContext()
                    switch request.text {
                    case "tell me more about the second one":
                        #expect(context.focusProductID == "")
                        parse.intent = .productDetails
                        parse.productIDs = [context.previousProductIDs[1]]
                    case "what do people say about it":
                        #expect(context.focusProductID == "p2", "the product of the last answer")
                        parse.intent = .readReviews
                        parse.productIDs = [context.focusProductID]
                    case "what about under thirty dollars":
                        #expect(context.focusProductID == "p2")
                        parse = Self.searchParse(request)
                        parse.searchText = ""
                    default:
                        parse = Self.searchParse(request)
                    }
                    return parse
                }
            }
            mesh.search.withLock {
                $0 = { request in
                    if request.query.isEmpty { #expect(request.filters?.priceMax == 50, "the filters alone select") }
                    return RecV1.SearchResponse(
                        results: [
                            RecV1.RankedProduct(product: fakeProduct("p1", title: "Red Dress", price: 39)),
                            RecV1.RankedProduct(product: fakeProduct("p2", title: "Red Skirt", price: 29)),
                        ], totalMatches: 2)
                }
            }
            mesh.getProduct.withLock { $0 = { request in fakeProduct(request.productID, title: request.productID == "p2" ? "Red Skirt" : "Red Dress", price: 29) } }
            mesh.listReviews.withLock {
                $0 = { request in
                    #expect(request.productID == "p2")
                    return RecV1.ListReviewsResponse()
                }
            }
            let headers = ["x-session-id": "session-focus"]
            for text in ["red dresses", "tell me more about the second one", "what do people say about it", "what about under thirty dollars"] {
                let (status, json, _) = await gateway.send(.post, "/v1/search", json: #"{"text": "\#(text)"}"#, headers: headers)
                #expect(status == 200, "\(text): \(json)")
                if text == "what do people say about it" { #expect(json["reply"]?.stringValue?.hasPrefix("Red Skirt") == true) }
            }
            let searches = mesh.calls.withLock { $0 }.filter { $0.method == "Search" }
            #expect(searches.count == 2)
            // And after that new search, "it" is the top result again.
            mesh.parse.withLock {
                $0 = { request in
                    #expect(request.context?.focusProductID == "", "a new search clears the focus")
                    return Self.searchParse(request)
                }
            }
            _ = await gateway.send(.post, "/v1/search", json: #"{"text": "red dresses"}"#, headers: headers)
        }
    }

    @Test("a vague search that finds nothing, with no filter to drop, offers picks; with filters it says so")
    func vagueSearchOffersPicks() async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.parse.withLock {
                $0 = { request in
                    var parse = Self.confidentParse(request, .searchProducts)
                    parse.searchText = request.text.hasPrefix("red") ? "dresses" : "nice mom"
                    parse.replyHint = "red dresses"
                    if request.text.hasPrefix("red") {
                        var filters = NLUV1.Filters()
                        filters.color = "red"
                        parse.filters = filters
                    }
                    return parse
                }
            }
            mesh.search.withLock { $0 = { _ in RecV1.SearchResponse() } }
            mesh.recommend.withLock {
                $0 = { request in
                    #expect(request.userID == "u-7" && request.query == "nice mom")
                    return RecV1.RecommendResponse(
                        items: [RecV1.RankedProduct(product: fakeProduct("p9", title: "Silk Scarf", price: 45))], personalized: true)
                }
            }
            let vague = await gateway.send(.post, "/v1/search", json: #"{"text": "something nice for my mom"}"#, headers: ["x-user-id": "u-7"])
            #expect(vague.status == 200)
            #expect(vague.json["reply"]?.stringValue == "I couldn't find anything for that, so here are some picks for you. The first is Silk Scarf for $45.")
            #expect(vague.json["results"]?[0]?["title"]?.stringValue == "Silk Scarf")
            let filtered = await gateway.send(.post, "/v1/search", json: #"{"text": "red dresses"}"#, headers: ["x-user-id": "u-7"])
            #expect(filtered.json["reply"]?.stringValue == "Sorry, I couldn't find any red dresses.")
            #expect(mesh.calls.withLock { $0 }.filter { $0.method == "Recommend" }.count == 1)
            // Picks are best effort: Recommend failing leaves the plain answer, not an error.
            mesh.recommend.withLock { $0 = nil }
            let unpicked = await gateway.send(.post, "/v1/search", json: #"{"text": "something nice for my mom"}"#, headers: ["x-user-id": "u-7"])
            #expect(unpicked.status == 200)
            #expect(unpicked.json["reply"]?.stringValue == "Sorry, I couldn't find any red dresses.")
        }
    }

    @Test("low NLU confidence asks a clarifying question and calls nothing else")
    func clarifies() async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.parse.withLock {
                $0 = { request in
                    var parse = NLUV1.ParseResponse()
                    parse.intent = .searchProducts
                    parse.confidence = 0.31
                    parse.lowConfidence = true
                    parse.correctedText = request.text
                    parse.topIntents = [NLUV1.IntentScore(intent: .searchProducts, confidence: 0.31), NLUV1.IntentScore(intent: .orderStatus, confidence: 0.3)]
                    return parse
                }
            }
            let (status, json, _) = await gateway.send(.post, "/v1/search", json: #"{"text": "the thing from before"}"#)
            #expect(status == 200)
            #expect(json["action"]?["type"]?.stringValue == "clarify")
            #expect(json["reply"]?.stringValue?.contains("Did you want to search for products or check an order?") == true)
            #expect(mesh.calls.withLock { $0.map(\.method) } == ["Parse"])
        }
    }

    @Test("voice search: ASR alternatives reach NLU; rec-svc down is 503 with the transcript in the details")
    func voiceWithRecDown() async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.recognize.withLock {
                $0 = { request in
                    #expect(request.config?.format == .wav)
                    #expect(request.audio.count > 44)
                    return ASRV1.RecognizeResponse(
                        alternatives: [
                            ASRV1.Alternative(transcript: "show me red dresses", confidence: 0.8),
                            ASRV1.Alternative(transcript: "show me read dresses", confidence: 0.1),
                        ], audioSeconds: 1)
                }
            }
            mesh.parse.withLock {
                $0 = { request in
                    #expect(request.alternatives.count == 2)
                    return Self.searchParse(request)
                }
            }
            mesh.search.withLock { $0 = { _ in throw RPCError(code: .unavailable, message: "PostgreSQL is unreachable") } }
            let (status, json, response) = await gateway.send(
                .post, "/v1/voice-search", body: silentWAV(seconds: 1), headers: ["content-type": "audio/wav"])
            #expect(status == 503)
            #expect(response.header("Retry-After") == "1")
            #expect(json["error"]?["code"]?.stringValue == "unavailable")
            #expect(json["error"]?["details"]?["transcript"]?.stringValue == "show me red dresses")
            #expect(json["error"]?["details"]?["stage"]?.stringValue == "rec")
            #expect(json["error"]?["request_id"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("a slow downstream is cut off at the deadline: 504, not a hang")
    func deadline() async throws {
        try await FakeMesh.with(configure: { $0.requestDeadline = .milliseconds(300) }) { mesh, gateway in
            mesh.parse.withLock { $0 = { Self.searchParse($0) } }
            mesh.search.withLock {
                $0 = { _ in
                    try await Task.sleep(for: .seconds(60))
                    return RecV1.SearchResponse()
                }
            }
            let start = ContinuousClock.now
            let (status, json, _) = await gateway.send(.post, "/v1/search", json: #"{"text": "red dresses"}"#)
            #expect(status == 504)
            #expect(json["error"]?["code"]?.stringValue == "deadline_exceeded")
            // 300 ms, plus slack for a loaded test machine; far below the 60 s the call would take.
            #expect(ContinuousClock.now - start < .seconds(10))
        }
    }

    @Test("order status and reviews become actions with a spoken reply")
    func actions() async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.parse.withLock {
                $0 = { request in
                    var parse = Self.confidentParse(request)
                    if request.text.contains("order") {
                        parse.intent = .orderStatus
                        parse.orderID = "1042"
                    } else {
                        parse.intent = .readReviews
                        parse.searchText = "linen dress"
                    }
                    return parse
                }
            }
            mesh.getOrder.withLock {
                $0 = { request in
                    #expect(request.orderID == "1042" && request.userID == "demo-alice")
                    var order = RecV1.Order()
                    order.id = "1042"
                    order.userID = "demo-alice"
                    order.status = .shipped
                    order.shipment = RecV1.Shipment(carrier: "UPS", trackingNumber: "1Z999", status: "in transit")
                    return order
                }
            }
            mesh.search.withLock { $0 = { _ in RecV1.SearchResponse(results: [RecV1.RankedProduct(product: fakeProduct("p9", title: "Linen Dress", price: 59))]) } }
            mesh.listReviews.withLock {
                $0 = { _ in
                    var summary = RecV1.ReviewSummary()
                    summary.averageRating = 4.5
                    summary.count = 8
                    summary.histogram = [0, 0, 1, 2, 5]
                    summary.topPositive = RecV1.Review(id: "r1", productID: "p9", author: "Ann", rating: 5, title: "Lovely and light")
                    return RecV1.ListReviewsResponse(summary: summary)
                }
            }
            let order = await gateway.send(.post, "/v1/search", json: #"{"text": "where is my order one zero four two"}"#, headers: ["x-user-id": "demo-alice"])
            #expect(order.status == 200)
            #expect(order.json["intent"]?["name"]?.stringValue == "order_status")
            #expect(order.json["order_id"]?.stringValue == "1042")
            #expect(order.json["action"]?["status"]?.stringValue == "shipped")
            #expect(order.json["reply"]?.stringValue?.contains("Order 1042 is shipped") == true)
            let reviews = await gateway.send(.post, "/v1/search", json: #"{"text": "what do people say about the linen dress"}"#)
            #expect(reviews.json["action"]?["type"]?.stringValue == "read_reviews")
            #expect(reviews.json["action"]?["details"]?["summary"]?["count"] == .number("8"))
            #expect(reviews.json["reply"]?.stringValue?.contains("4.5 stars from 8 reviews") == true)
        }
    }
}
