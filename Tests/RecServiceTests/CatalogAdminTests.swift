import Foundation
import Postgres
import Protos
import RPCCore
import RecService
import ServiceRuntime
import TestSupport
import Testing

/// Catalog admin over gRPC against a real PostgreSQL: import, upsert, patch, delete,
/// vocabulary and the NOTIFY sync between replicas.
@Suite struct CatalogAdminTests {
    @Test func migrationsRunOnAnEmptyDatabaseAndAgainSafely() async throws {
        let conninfo = try await TestDatabase.makeDatabase()
        let first = try await RecDatabase.migrate(conninfo: conninfo, directory: RecHarness.migrations, logger: RecHarness.logger)
        let second = try await RecDatabase.migrate(conninfo: conninfo, directory: RecHarness.migrations, logger: RecHarness.logger)
        #expect(first.count >= 5)
        #expect(second.isEmpty)
    }

    @Test func importReportsBadRowsByLineAndImportsTheRest() async throws {
        try await RecHarness.with { rec in
            let lines = [
                productLine("a-1", "Red Summer Dress", price: 39.99, brand: "Zara", category: "Women/Dresses/Summer", color: "red"),
                #"{"sku": "a-2", "title": "Broken", "price": "abc"}"#,
                productLine("a-3", "Blue Jeans", price: 59, brand: "Levi's", category: "Men/Jeans", color: "blue"),
                #"{"sku": "a-4", "title": "no closing brace""#,
                #"{"title": "No sku", "price": 3}"#,
                productLine("a-5", "Running Shoes", price: 120, brand: "Nike", category: "Shoes/Running"),
            ]
            let response = try await rec.importJSONL(lines)
            #expect(response.rowsReceived == 6)
            #expect(response.rowsCreated == 3)
            #expect(response.rowsFailed == 3)
            #expect(response.errors.map(\.lineNumber) == [2, 4, 5])
            #expect(response.errors[0].field == "price" && response.errors[0].sku == "a-2")
            #expect(response.errors[2].field == "sku")
            #expect(response.vocabularyVersion > 0)
            // Idempotent by sku: the same file again changes nothing; an edited row updates.
            let again = try await rec.importJSONL(lines)
            #expect(again.rowsCreated == 0 && again.rowsUpdated == 0 && again.rowsUnchanged == 3)
            var edited = lines
            edited[0] = productLine("a-1", "Red Summer Dress", price: 34.99, brand: "Zara", category: "Women/Dresses/Summer", color: "red")
            let third = try await rec.importJSONL(edited)
            #expect(third.rowsUpdated == 1 && third.rowsUnchanged == 2)
            let stats = try await rec.admin.stats(RecV1.StatsRequest())
            #expect(stats.products == 3 && stats.brands == 3 && stats.lastImportAtMs > 0)
            let search = try await rec.rec.search(RecV1.SearchRequest(query: "red dress"))
            #expect(search.results.first?.product?.price == 34.99)
        }
    }

    @Test func dryRunValidatesWithoutWriting() async throws {
        try await RecHarness.with { rec in
            let response = try await rec.importJSONL([productLine("d-1", "Mug", price: 5), #"{"sku": "d-2"}"#], dryRun: true)
            #expect(response.rowsFailed == 1 && response.rowsCreated == 0)
            #expect(try await rec.admin.stats(RecV1.StatsRequest()).products == 0)
        }
    }

    @Test func anImportWithoutOptionsIsRefused() async throws {
        try await RecHarness.with { rec in
            let error = await #expect(throws: RPCError.self) {
                try await rec.admin.importProducts { writer in
                    try await writer.write(RecV1.ImportProductsRequest(lineNumber: 1, row: .text("{}")))
                }
            }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func upsertPatchDeleteAndTheVocabularyVersion() async throws {
        try await RecHarness.with { rec in
            var product = RecV1.Product()
            product.sku = "u-1"
            product.title = "Sony WH-1000XM5 Headphones"
            product.brand = "Sony"
            product.category = "Electronics/Headphones"
            product.price = 349
            product.stock = 3
            product.attributes = [RecV1.Attribute(name: "color", value: "Black")]
            let created = try await rec.admin.upsertProduct(RecV1.UpsertProductRequest(product: product))
            #expect(created.created)
            let id = try #require(created.product?.id)
            let v1 = try await rec.rec.vocabulary(RecV1.VocabularyRequest())
            #expect(v1.brands == ["Sony"] && v1.colors == ["Black"])
            #expect(v1.titleTerms.map(\.term).contains("headphones"))
            #expect(try await rec.rec.vocabulary(RecV1.VocabularyRequest(knownVersion: v1.version)).unchanged)

            // Price and stock do not change the vocabulary.
            let patched = try await rec.admin.patchProduct(
                RecV1.PatchProductRequest(productID: id, price: RecV1.PriceValue(price: 299.5), stock: RecV1.StockValue(quantity: 0)))
            #expect(patched.price == 299.5 && patched.stock == 0)
            #expect(try await rec.rec.vocabulary(RecV1.VocabularyRequest(knownVersion: v1.version)).unchanged)
            #expect(try await rec.rec.getProduct(RecV1.GetProductRequest(productID: id)).price == 299.5)

            // A title change does.
            product.title = "Sony WH-1000XM5 Wireless Headphones"
            let replaced = try await rec.admin.upsertProduct(RecV1.UpsertProductRequest(product: product))
            #expect(!replaced.created && replaced.vocabularyVersion > v1.version)
            #expect(replaced.product?.stock == 3)

            let deleted = try await rec.admin.deleteProduct(RecV1.DeleteProductRequest(sku: "u-1"))
            #expect(deleted.existed)
            #expect(try await rec.admin.deleteProduct(RecV1.DeleteProductRequest(sku: "u-1")).existed == false)
            let gone = await #expect(throws: RPCError.self) { try await rec.rec.getProduct(RecV1.GetProductRequest(productID: id)) }
            #expect(gone?.code == .notFound)
            #expect(try await rec.rec.search(RecV1.SearchRequest(query: "sony")).totalMatches == 0)
            let missing = await #expect(throws: RPCError.self) {
                try await rec.admin.patchProduct(RecV1.PatchProductRequest(sku: "nope", stock: RecV1.StockValue(quantity: 1)))
            }
            #expect(missing?.code == .notFound)
        }
    }

    @Test func anotherReplicaFollowsThroughNotify() async throws {
        try await RecHarness.with { first in
            try await RecHarness.with(conninfo: first.conninfo) { second in
                try await first.importJSONL([productLine("n-1", "Linen Beach Towel", price: 19, brand: "IKEA", category: "Home/Bath")])
                try await second.eventually("the second replica sees the import") {
                    try await second.rec.search(RecV1.SearchRequest(query: "beach towel")).totalMatches == 1
                }
                _ = try await first.admin.deleteProduct(RecV1.DeleteProductRequest(sku: "n-1"))
                try await second.eventually("the second replica sees the delete") {
                    try await second.rec.search(RecV1.SearchRequest(query: "beach towel")).totalMatches == 0
                }
            }
        }
    }

    @Test func theVocabularyIsUnavailableUntilTheCatalogIsLoaded() async throws {
        // A replica starting on a stocked catalog: asked before its index is loaded, it must
        // not answer (nor keep) empty lists under the catalog's version; asr-svc and nlu-svc
        // would build their models from them and, the version being current, never ask again.
        try await RecHarness.with { stocked in
            let imported = try await stocked.importJSONL([
                productLine("l-1", "Merino Wool Beanie", price: 25, brand: "Smartwool", category: "Accessories/Hats", color: "grey")
            ])
            try await RecHarness.with(conninfo: stocked.conninfo, holdingSync: true) { starting in
                let early = await #expect(throws: RPCError.self) { try await starting.rec.vocabulary(RecV1.VocabularyRequest()) }
                #expect(early?.code == .unavailable)
                #expect(early?.message.contains("still loading") == true, "\(early?.message ?? "")")
                await starting.startSyncAndWait()
                let loaded = try await starting.rec.vocabulary(RecV1.VocabularyRequest())
                #expect(loaded.version == imported.vocabularyVersion)
                #expect(loaded.brands == ["Smartwool"] && loaded.colors == ["grey"], "\(loaded)")
            }
        }
    }

    @Test("a catalog write is answered once this replica's sync has applied it (reads then show it)")
    func writesWaitForTheSync() async throws {
        try await RecHarness.with(holdingSync: true) { rec in
            // No sync running: the write commits, then waits out the catch-up (2 s) for it.
            var product = RecV1.Product()
            product.sku = "w-1"
            product.title = "Trail Running Shoe"
            product.price = 120
            let start = ContinuousClock.now
            _ = try await rec.admin.upsertProduct(RecV1.UpsertProductRequest(product: product))
            #expect(ContinuousClock.now - start >= .milliseconds(1_900))
            await rec.startSyncAndWait()
            // With the sync running, as soon as it has applied the change.
            let patchStart = ContinuousClock.now
            let patched = try await rec.admin.patchProduct(RecV1.PatchProductRequest(sku: "w-1", stock: RecV1.StockValue(quantity: 4)))
            #expect(ContinuousClock.now - patchStart < .seconds(1))
            #expect(try await rec.rec.getProduct(RecV1.GetProductRequest(productID: patched.id)).stock == 4)
            let deleted = try await rec.admin.deleteProduct(RecV1.DeleteProductRequest(sku: "w-1"))
            #expect(deleted.existed)
            let gone = await #expect(throws: RPCError.self) { try await rec.rec.getProduct(RecV1.GetProductRequest(productID: patched.id)) }
            #expect(gone?.code == .notFound)
        }
    }

    @Test func aReplicasVocabularyIsNeverStaleUnderTheCurrentVersion() async throws {
        // The second replica learns of the first one's import only through NOTIFY. Asked at
        // once, it must not label its older lists with the new version (a client keeping that
        // version would never ask again): it waits for its index, and then has the new brand.
        try await RecHarness.with { first in
            try await RecHarness.with(conninfo: first.conninfo) { second in
                let before = try await second.rec.vocabulary(RecV1.VocabularyRequest())
                #expect(!before.brands.contains("Patagonia"))
                for round in 0..<5 {
                    let imported = try await first.importJSONL([
                        productLine("v-\(round)", "Fleece Jacket \(round)", price: 99, brand: "Patagonia \(round)", category: "Men/Jackets")
                    ])
                    let now = try await second.rec.vocabulary(RecV1.VocabularyRequest())
                    #expect(now.version == imported.vocabularyVersion, "round \(round)")
                    #expect(now.brands.contains("Patagonia \(round)"), "round \(round): \(now.brands)")
                    #expect(try await second.rec.vocabulary(RecV1.VocabularyRequest(knownVersion: now.version)).unchanged)
                }
            }
        }
    }

    @Test func badRequestsGetInvalidArgument() async throws {
        try await RecHarness.with { rec in
            for call in [
                { _ = try await rec.rec.search(RecV1.SearchRequest(query: "x", pageSize: 101)) },
                { _ = try await rec.rec.getProduct(RecV1.GetProductRequest(productID: "abc")) },
                { _ = try await rec.rec.recordEvent(RecV1.RecordEventRequest(userID: "u", type: .unspecified, productID: "1")) },
                { _ = try await rec.admin.upsertProduct(RecV1.UpsertProductRequest(product: RecV1.Product(sku: "x", title: "y", price: -1))) },
            ] as [@Sendable () async throws -> Void] {
                let error = await #expect(throws: RPCError.self) { try await call() }
                #expect(error?.code == .invalidArgument, "\(String(describing: error))")
                #expect(error?.message.isEmpty == false)
            }
        }
    }
}
