import Foundation
import Protos
import RPCCore
import RecService
import TestSupport
import Testing

/// The demo catalog of services/rec-svc/demo loads (twice, idempotently) and demonstrates
/// what the README's demo story says.
@Suite struct DemoCatalogTests {
    static let directory = TestSupport.repositoryRoot.appendingPathComponent("services/rec-svc/demo").path

    @Test func demoLoadsIdempotentlyAndTellsItsStory() async throws {
        let conninfo = try await TestDatabase.makeDatabase()
        try await RecDatabase.migrate(conninfo: conninfo, directory: RecHarness.migrations, logger: RecHarness.logger)
        let counts = try await DemoLoader.load(directory: Self.directory, conninfo: conninfo, logger: RecHarness.logger)
        _ = try await DemoLoader.load(directory: Self.directory, conninfo: conninfo, logger: RecHarness.logger)
        try await RecHarness.with(conninfo: conninfo) { rec in
            let stats = try await rec.admin.stats(RecV1.StatsRequest())
            #expect(Int(stats.products) == counts["products"] as? Int)
            #expect(Int(stats.reviews) == counts["reviews"] as? Int)
            #expect(Int(stats.orders) == counts["orders"] as? Int)
            #expect(Int(stats.events) >= counts["events"] as! Int)
            #expect(stats.products >= 300)

            // "show me red summer dresses under fifty dollars"
            var filters = RecV1.SearchFilters()
            filters.color = "red"
            filters.priceMax = 50
            filters.category = "dresses"
            let dresses = try await rec.rec.search(RecV1.SearchRequest(query: "summer dresses", filters: filters, pageSize: 20))
            #expect(dresses.totalMatches >= 8)
            #expect(dresses.results.allSatisfy { ($0.product?.price ?? 99) <= 50 })
            #expect(dresses.facets?.brands.count ?? 0 >= 4)
            #expect(dresses.relaxedFilters.isEmpty)

            // "what do people say about the sony headphones"
            let sony = try await rec.rec.search(RecV1.SearchRequest(query: "sony headphones"))
            let top = try #require(sony.results.first?.product)
            #expect(top.brand == "Sony")
            let reviews = try await rec.rec.listReviews(RecV1.ListReviewsRequest(productID: top.id))
            #expect(reviews.summary?.count ?? 0 > 0 && reviews.summary?.topPositive != nil)

            // "where is my order 1042"
            let order = try await rec.rec.getOrder(RecV1.GetOrderRequest(orderID: "1042", userID: "demo-alice"))
            #expect(order.status == .shipped && order.shipment?.carrier.isEmpty == false)
            let denied = await #expect(throws: RPCError.self) {
                try await rec.rec.getOrder(RecV1.GetOrderRequest(orderID: "1042", userID: "demo-bob"))
            }
            #expect(denied?.code == .permissionDenied)

            // A new order gets a live number past the demo range.
            _ = try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "demo-alice", productID: top.id))
            #expect(Int(try await rec.rec.checkout(RecV1.CheckoutRequest(userID: "demo-alice")).id)! > 10_000)

            let vocabulary = try await rec.rec.vocabulary(RecV1.VocabularyRequest())
            #expect(vocabulary.brands.contains("Sony") && vocabulary.brands.contains("L'Oréal Paris"))
            #expect(vocabulary.colors.contains { $0.lowercased() == "red" })
        }
    }

    @Test func theBadRowsFileReportsItsBadLines() async throws {
        let lines = try String(contentsOfFile: Self.directory + "/bad-rows.jsonl", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        try await RecHarness.with { rec in
            let response = try await rec.importJSONL(lines)
            #expect(response.errors.map(\.lineNumber) == [2, 4, 5, 6, 7, 8, 9])
            #expect(response.rowsCreated == 3)
            for error in response.errors { #expect(!error.message.isEmpty) }
        }
    }
}
