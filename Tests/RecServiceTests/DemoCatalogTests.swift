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

    /// Through the Search RPC on the demo catalog in PostgreSQL: each filter holds for every
    /// result and narrows the matches, and each sort orders the page by its key.
    @Test func everyFilterAndSortThroughTheRPC() async throws {
        let conninfo = try await TestDatabase.makeDatabase()
        try await RecDatabase.migrate(conninfo: conninfo, directory: RecHarness.migrations, logger: RecHarness.logger)
        _ = try await DemoLoader.load(directory: Self.directory, conninfo: conninfo, logger: RecHarness.logger)
        try await RecHarness.with(conninfo: conninfo) { rec in
            func search(_ query: String, _ configure: (inout RecV1.SearchFilters) -> Void = { _ in }, sort: RecV1.Sort = .relevance)
                async throws -> RecV1.SearchResponse
            {
                var filters = RecV1.SearchFilters()
                configure(&filters)
                return try await rec.rec.search(RecV1.SearchRequest(query: query, filters: filters, sort: sort, pageSize: 50))
            }
            func values(_ product: RecV1.Product, _ name: String) -> [String] {
                product.attributes.filter { $0.name == name }.map { $0.value.lowercased() }
            }
            let unfiltered = try await search("shirt")
            let cases: [(String, (inout RecV1.SearchFilters) -> Void, (RecV1.Product) -> Bool)] = [
                ("category", { $0.category = "Men" }, { $0.category.hasPrefix("Men/") }),
                ("brand", { $0.brand = "Nike" }, { $0.brand == "Nike" }),
                ("color", { $0.color = "white" }, { values($0, "color").contains { $0.contains("white") } }),
                ("size", { $0.size = "XL" }, { values($0, "size").contains("xl") }),
                ("material", { $0.material = "cotton" }, { values($0, "material").contains { $0.contains("cotton") } }),
                ("price range", { $0.priceMin = 20; $0.priceMax = 40 }, { (20...40).contains($0.price) }),
                ("rating", { $0.ratingMin = 4.5 }, { $0.rating >= 4.5 }),
                ("in stock", { $0.inStockOnly = true }, { $0.stock > 0 }),
            ]
            for (name, configure, holds) in cases {
                let response = try await search("shirt", configure)
                #expect(response.relaxedFilters.isEmpty, "\(name): relaxed \(response.relaxedFilters)")
                #expect(!response.results.isEmpty && response.results.allSatisfy { holds($0.product!) }, "\(name)")
                #expect(response.totalMatches <= unfiltered.totalMatches, "\(name)")
            }
            let sorts: [(RecV1.Sort, (RecV1.Product, RecV1.Product) -> Bool)] = [
                (.priceAsc, { $0.price <= $1.price }), (.priceDesc, { $0.price >= $1.price }),
                (.ratingDesc, { $0.rating >= $1.rating }), (.newest, { $0.createdAtMs >= $1.createdAtMs }),
            ]
            for (sort, inOrder) in sorts {
                let products = try await search("shoes", sort: sort).results.map { $0.product! }
                #expect(products.count == 50 && zip(products, products.dropFirst()).allSatisfy(inOrder), "\(sort)")
            }
        }
    }

}
