import Foundation
import Postgres
import Protos
import RPCCore
import RecService
import TestSupport
import Testing

/// Events, carts, checkout, orders, returns, reviews and forget-me over gRPC against a real
/// PostgreSQL.
@Suite struct ShoppingTests {
    /// Imports three products and returns their ids by sku.
    static func seed(_ rec: RecHarness) async throws -> [String: String] {
        try await rec.importJSONL([
            productLine("s-1", "Sony WH-1000XM5 Headphones", price: 349.99, brand: "Sony", category: "Electronics/Headphones", stock: 5),
            productLine("s-2", "USB-C Charging Cable", price: 9.5, brand: "Anker", category: "Electronics/Cables", stock: 100),
            productLine("s-3", "Limited Vinyl Record", price: 30, brand: "Sony", category: "Music/Vinyl", stock: 1),
        ])
        var ids: [String: String] = [:]
        for sku in ["s-1", "s-2", "s-3"] {
            ids[sku] = try await rec.rec.getProduct(RecV1.GetProductRequest(sku: sku)).id
        }
        return ids
    }

    static func count(_ rec: RecHarness, _ sql: String, _ parameters: [PostgresValue] = []) async throws -> Int {
        try await rec.runtime.pool.query(sql, parameters).first?.int("n") ?? -1
    }

    @Test func eventsAreStoredOncePerIdempotencyKey() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            var event = RecV1.RecordEventRequest(idempotencyKey: "k-1", userID: "alice", type: .click, productID: ids["s-1"]!, requestID: "req-9")
            let first = try await rec.rec.recordEvent(event)
            let second = try await rec.rec.recordEvent(event)
            #expect(!first.duplicate && second.duplicate && first.eventID == second.eventID)
            event.idempotencyKey = "k-2"
            #expect(try await rec.rec.recordEvent(event).duplicate == false)
            #expect(try await Self.count(rec, "SELECT count(*) AS n FROM events WHERE request_id = 'req-9'") == 2)
            let unknown = await #expect(throws: RPCError.self) {
                try await rec.rec.recordEvent(RecV1.RecordEventRequest(userID: "alice", type: .view, productID: "999999"))
            }
            #expect(unknown?.code == .notFound)
        }
    }

    @Test func cartCheckoutOrderAndReturnFlow() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            var cart = try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "alice", productID: ids["s-1"]!, quantity: 2, requestID: "utt-1"))
            cart = try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "alice", productID: ids["s-2"]!))
            cart = try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "alice", productID: ids["s-2"]!, quantity: 2))
            #expect(cart.items.map(\.quantity) == [2, 3])
            #expect(cart.itemCount == 5)
            #expect(cart.subtotal == 2 * 349.99 + 3 * 9.5)
            cart = try await rec.rec.removeFromCart(RecV1.RemoveFromCartRequest(userID: "alice", productID: ids["s-2"]!, quantity: 1))
            #expect(cart.items.map(\.quantity) == [2, 2])

            // Stock is checked when adding.
            let tooMany = await #expect(throws: RPCError.self) {
                try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "alice", productID: ids["s-3"]!, quantity: 2))
            }
            #expect(tooMany?.code == .failedPrecondition && tooMany?.message.contains("Only 1") == true)

            let order = try await rec.rec.checkout(RecV1.CheckoutRequest(userID: "alice", idempotencyKey: "co-1", shippingAddress: "1 Main St"))
            #expect(order.status == .pending && order.items.count == 2 && order.total == 2 * 349.99 + 2 * 9.5)
            #expect(Int(order.id)! > 10_000)
            let retried = try await rec.rec.checkout(RecV1.CheckoutRequest(userID: "alice", idempotencyKey: "co-1"))
            #expect(retried.id == order.id)
            #expect(try await rec.rec.getCart(RecV1.GetCartRequest(userID: "alice")).items.isEmpty)
            #expect(try await rec.rec.getProduct(RecV1.GetProductRequest(productID: ids["s-1"]!)).stock == 3)
            // The purchase events carry the utterance's request id (the funnel).
            #expect(try await Self.count(rec, "SELECT count(*) AS n FROM events WHERE type = 'purchase' AND request_id = 'utt-1'") == 1)
            let empty = await #expect(throws: RPCError.self) { try await rec.rec.checkout(RecV1.CheckoutRequest(userID: "alice")) }
            #expect(empty?.code == .failedPrecondition)

            // Orders: the owner sees it, others are refused, unknown ones are not found.
            #expect(try await rec.rec.getOrder(RecV1.GetOrderRequest(orderID: order.id, userID: "alice")).id == order.id)
            let other = await #expect(throws: RPCError.self) { try await rec.rec.getOrder(RecV1.GetOrderRequest(orderID: order.id, userID: "bob")) }
            #expect(other?.code == .permissionDenied)
            let unknown = await #expect(throws: RPCError.self) { try await rec.rec.getOrder(RecV1.GetOrderRequest(orderID: "999999", userID: "alice")) }
            #expect(unknown?.code == .notFound)
            #expect(try await rec.rec.listOrders(RecV1.ListOrdersRequest(userID: "alice")).total == 1)

            // Returns: not before delivery; then accepted once, idempotent by key.
            let early = await #expect(throws: RPCError.self) {
                try await rec.rec.requestReturn(RecV1.RequestReturnRequest(orderID: order.id, userID: "alice"))
            }
            #expect(early?.code == .failedPrecondition)
            try await rec.runtime.pool.query("UPDATE orders SET status = 'delivered', delivered_at = now() WHERE id = $1", [.int(Int64(order.id)!)])
            let notYours = await #expect(throws: RPCError.self) {
                try await rec.rec.requestReturn(RecV1.RequestReturnRequest(orderID: order.id, userID: "bob"))
            }
            #expect(notYours?.code == .permissionDenied)
            let notInOrder = await #expect(throws: RPCError.self) {
                try await rec.rec.requestReturn(RecV1.RequestReturnRequest(orderID: order.id, userID: "alice", productIDs: [ids["s-3"]!]))
            }
            #expect(notInOrder?.code == .invalidArgument)
            let request = RecV1.RequestReturnRequest(
                orderID: order.id, userID: "alice", productIDs: [ids["s-2"]!], reason: "wrong length", idempotencyKey: "r-1")
            let returned = try await rec.rec.requestReturn(request)
            #expect(returned.returnInfo?.status == .requested && returned.returnInfo?.productIDs == [ids["s-2"]!])
            #expect(returned.order?.status == .returnRequested)
            #expect(returned.order?.items.first { $0.productID == ids["s-2"]! }?.returnedQuantity == 2)
            #expect(try await rec.rec.requestReturn(request).returnInfo?.id == returned.returnInfo?.id)
            let again = await #expect(throws: RPCError.self) {
                try await rec.rec.requestReturn(RecV1.RequestReturnRequest(orderID: order.id, userID: "alice", productIDs: [ids["s-2"]!]))
            }
            #expect(again?.code == .failedPrecondition)
        }
    }

    @Test func aReturnPastTheWindowIsRecordedAsRejected() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            _ = try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "carol", productID: ids["s-2"]!))
            let order = try await rec.rec.checkout(RecV1.CheckoutRequest(userID: "carol"))
            try await rec.runtime.pool.query(
                "UPDATE orders SET status = 'delivered', delivered_at = now() - interval '45 days' WHERE id = $1", [.int(Int64(order.id)!)])
            let response = try await rec.rec.requestReturn(RecV1.RequestReturnRequest(orderID: order.id, userID: "carol"))
            #expect(response.returnInfo?.status == .rejected)
            #expect(response.returnInfo?.reason.contains("30-day") == true)
            #expect(response.order?.status == .delivered)
        }
    }

    @Test func reviewsSummaryPicksTheMostHelpfulSnippets() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            let product = Int64(ids["s-1"]!)!
            for (rating, votes, body) in [(5, 10, "Great noise cancelling"), (4, 40, "Comfortable for hours"), (1, 25, "Broke in a week"), (2, 3, "Too tight"), (3, 50, "Fine")] {
                try await rec.runtime.pool.query(
                    "INSERT INTO reviews (product_id, author_name, rating, body, helpful_votes) VALUES ($1, 'A', $2, $3, $4)",
                    [.int(product), .int(Int64(rating)), .text(body), .int(Int64(votes))])
            }
            let response = try await rec.rec.listReviews(RecV1.ListReviewsRequest(productID: ids["s-1"]!, pageSize: 2))
            let summary = try #require(response.summary)
            #expect(summary.count == 5 && summary.averageRating == 3)
            #expect(summary.histogram == [1, 1, 1, 1, 1])
            #expect(summary.topPositive?.body == "Comfortable for hours")
            #expect(summary.topNegative?.body == "Broke in a week")
            #expect(response.reviews.map(\.helpfulVotes) == [50, 40])
            let newest = try await rec.rec.listReviews(RecV1.ListReviewsRequest(productID: ids["s-1"]!, order: .ratingAsc))
            #expect(newest.reviews.map(\.rating) == [1, 2, 3, 4, 5])
        }
    }

    /// Cold start: a shopper with no history gets recommendations from what they asked for,
    /// or without a query from what is popular, and they are not called personal.
    @Test func coldStartRecommendsFromTheQueryThenPopularity() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            let asked = try await rec.rec.recommend(RecV1.RecommendRequest(userID: "newcomer", limit: 3, query: "headphones"))
            #expect(!asked.personalized && asked.items.map { $0.product!.sku } == ["s-1"])
            // The cable is the most viewed.
            for number in 0..<5 {
                _ = try await rec.rec.recordEvent(RecV1.RecordEventRequest(idempotencyKey: "p\(number)", userID: "other", type: .view, productID: ids["s-2"]!))
            }
            let popular = try await rec.rec.recommend(RecV1.RecommendRequest(userID: "someone-new", limit: 3))
            #expect(!popular.personalized && popular.items.count == 3 && popular.items.first?.product?.sku == "s-2")
        }
    }

    /// Frequently bought together: the products in the same orders, by how many orders, a
    /// deleted product left out before the limit is applied.
    @Test func boughtTogetherCountsSharedOrders() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            try await rec.importJSONL([productLine("s-4", "Headphone Stand", price: 19, brand: "Anker", category: "Electronics/Accessories", stock: 50)])
            let stand = try await rec.rec.getProduct(RecV1.GetProductRequest(sku: "s-4")).id
            for (user, others) in [("u1", [stand]), ("u2", [stand, ids["s-2"]!]), ("u3", [ids["s-2"]!]), ("u4", [ids["s-3"]!])] {
                for product in [ids["s-1"]!] + others { _ = try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: user, productID: product)) }
                _ = try await rec.rec.checkout(RecV1.CheckoutRequest(userID: user, shippingAddress: "1 Main St"))
            }
            func together(_ limit: Int32) async throws -> [(String, String)] {
                try await rec.rec.similarItems(RecV1.SimilarItemsRequest(productID: ids["s-1"]!, limit: limit, similarity: .boughtTogether))
                    .items.map { ($0.product!.sku, $0.why) }
            }
            // Two orders each for the stand and the cable (ties by id: the cable was imported first), one for the record.
            #expect(try await together(10).map(\.0) == ["s-2", "s-4", "s-3"])
            #expect(try await together(10).first?.1 == "bought together with Sony WH-1000XM5 Headphones in 2 orders")
            _ = try await rec.admin.deleteProduct(RecV1.DeleteProductRequest(sku: "s-2"))
            #expect(try await together(2).map(\.0) == ["s-4", "s-3"])
        }
    }

    @Test func forgetMeLeavesNoRowsOfTheUser() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            _ = try await rec.rec.recordEvent(RecV1.RecordEventRequest(idempotencyKey: "e1", userID: "dave", type: .view, productID: ids["s-1"]!))
            _ = try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "dave", productID: ids["s-2"]!))
            let order = try await rec.rec.checkout(RecV1.CheckoutRequest(userID: "dave", shippingAddress: "2 Elm Road"))
            _ = try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "dave", productID: ids["s-1"]!))
            try await rec.runtime.pool.query(
                "INSERT INTO reviews (product_id, user_id, author_name, rating, body) VALUES ($1, 'dave', 'Dave S.', 5, 'Love it')",
                [.int(Int64(ids["s-1"]!)!)])

            let response = try await rec.rec.forgetUser(RecV1.ForgetUserRequest(userID: "dave", reason: "user request"))
            #expect(response.existed && response.eventsDeleted >= 3 && response.cartItemsDeleted == 1 && !response.auditID.isEmpty)
            for table in ["users WHERE id", "events WHERE user_id", "carts WHERE user_id", "cart_items WHERE user_id", "user_vectors WHERE user_id",
                          "orders WHERE user_id", "reviews WHERE user_id"] {
                #expect(try await Self.count(rec, "SELECT count(*) AS n FROM \(table) = 'dave'") == 0, "\(table)")
            }
            // The order is kept for accounting, without anything personal.
            let kept = try await rec.runtime.pool.query("SELECT shipping_address FROM orders WHERE id = $1", [.int(Int64(order.id)!)])
            #expect(kept.count == 1 && kept.first?["shipping_address"] == nil)
            #expect(try await Self.count(rec, "SELECT count(*) AS n FROM reviews WHERE author_name = 'Dave S.'") == 0)
            // The audit record names no one.
            let audit = try await rec.runtime.pool.query("SELECT subject, details::text AS details FROM audit_log WHERE action = 'user.forget'")
            #expect(audit.count == 1 && audit.first?["subject"]?.hasPrefix("user:") == true)
            #expect(audit.first?["subject"]?.contains("dave") == false && audit.first?["details"]?.contains("dave") == false)
            // Idempotent.
            let again = try await rec.rec.forgetUser(RecV1.ForgetUserRequest(userID: "dave"))
            #expect(!again.existed && again.eventsDeleted == 0)
        }
    }
}
