import Postgres
import Protos
import RPCCore
import RecService
import TestSupport
import Testing

/// Hybrid retrieval with the real all-MiniLM-L6-v2 encoder: the embedding worker fills
/// item_embeddings, replicas load the vectors, and a query whose words no product has still
/// finds the products it means.
@Suite struct SemanticSearchTests {
    @Test func paraphrasesFindProductsTheWordsMiss() async throws {
        try await RecHarness.with(embeddings: true) { rec in
            try await rec.importJSONL([
                productLine("t-1", "Trail Running Shoes", price: 120, brand: "Salomon", category: "Shoes/Running"),
                productLine("t-2", "Road Running Shoes", price: 99, brand: "Nike", category: "Shoes/Running"),
                productLine("t-3", "Dog Chew Toy", price: 9, brand: "Kong", category: "Pets/Toys"),
                productLine("t-4", "Stainless Steel Saucepan", price: 45, brand: "All-Clad", category: "Home/Kitchen/Cookware"),
                productLine("t-5", "USB-C Charging Cable", price: 12, brand: "Anker", category: "Electronics/Cables"),
                productLine("t-6", "Noise Cancelling Headphones", price: 299, brand: "Bose", category: "Electronics/Headphones"),
            ])
            let worker = EmbeddingWorker(conninfo: rec.conninfo, embeddings: try RecHarness.textEmbeddings.get(), logger: RecHarness.logger)
            let embedded = try await rec.runtime.pool.withConnection { try worker.embedPending($0) }
            #expect(embedded == 6)
            // Idempotent: nothing is stale now; a price change does not re-encode.
            #expect(try await rec.runtime.pool.withConnection { try worker.embedPending($0) } == 0)
            _ = try await rec.admin.patchProduct(RecV1.PatchProductRequest(sku: "t-3", price: RecV1.PriceValue(price: 8)))
            #expect(try await rec.runtime.pool.withConnection { try worker.embedPending($0) } == 0)

            try await rec.eventually("the replica loads the text vectors") {
                rec.runtime.personal.models.first { $0.kind == .textEmbedding }?.items.count == 6
            }
            // No product says "sneakers" or "puppy" or "pot".
            for (query, sku) in [("sneakers", "t-1"), ("something for my puppy to chew", "t-3"), ("a pot to cook soup", "t-4"),
                                 ("phone charger cord", "t-5")] {
                let response = try await rec.rec.search(RecV1.SearchRequest(query: query))
                let skus = response.results.map { $0.product!.sku }
                #expect(skus.first == sku || (sku == "t-1" && skus.first == "t-2"), "\(query): \(skus)")
                let why = response.results.first?.why ?? ""
                #expect(why.contains("close in meaning") || why.contains("matches 'chew'"), "\(why)")
                #expect((response.results.first?.breakdown?.vector ?? 0) >= 0.4)
            }
            // Lexical matches carry their similarity too.
            let exact = try await rec.rec.search(RecV1.SearchRequest(query: "headphones"))
            #expect(exact.results.first?.product?.sku == "t-6" && (exact.results.first?.breakdown?.vector ?? 0) > 0.3)
            // Filters still apply exactly to semantic matches.
            var filters = RecV1.SearchFilters()
            filters.priceMax = 100
            let cheap = try await rec.rec.search(RecV1.SearchRequest(query: "sneakers", filters: filters))
            #expect(cheap.results.map { $0.product!.sku }.first == "t-2")
            #expect(cheap.results.allSatisfy { $0.product!.price <= 100 })

            // Similar items are the nearest by text vector: for the headphones, every other
            // product in the order of its cosine with them (no other product shares a word or a
            // category with them, so a search by words would find none), the trail shoes'
            // nearest being the road shoes.
            let model = try #require(rec.runtime.personal.models.first { $0.kind == .textEmbedding })
            for (sku, title) in [("t-6", "Noise Cancelling Headphones"), ("t-1", "Trail Running Shoes")] {
                let product = try await rec.rec.getProduct(RecV1.GetProductRequest(sku: sku))
                let similar = try await rec.rec.similarItems(RecV1.SimilarItemsRequest(productID: product.id, limit: 5))
                let vector = try #require(model.items.vector(of: Int64(product.id)!))
                let byCosine = model.items.exactSearch(vector, k: 6).map { String($0.id) }.filter { $0 != product.id }
                #expect(similar.items.map { $0.product!.id } == byCosine, "\(sku)")
                #expect(similar.items.allSatisfy { $0.why == "similar to \(title)" && ($0.breakdown?.vector ?? 0) != 0 })
            }
            let trail = try await rec.rec.getProduct(RecV1.GetProductRequest(sku: "t-1"))
            #expect(try await rec.rec.similarItems(RecV1.SimilarItemsRequest(productID: trail.id, limit: 1)).items.first?.product?.sku == "t-2")

            // Reindexing the vectors queues every product for the encoder (the current vectors
            // serve meanwhile) and rebuilds the vector index; the lexical index is left alone.
            let loaded = try #require(rec.runtime.personal.models.first { $0.kind == .textEmbedding })
            let reindexed = try await rec.admin.reindex(RecV1.ReindexRequest(vectors: true))
            #expect(reindexed.productsIndexed == 6)
            let meanwhile = try await rec.rec.search(RecV1.SearchRequest(query: "sneakers")).results.first?.product?.sku
            #expect(meanwhile == "t-1" || meanwhile == "t-2")
            #expect(try await rec.runtime.pool.withConnection { try worker.embedPending($0) } == 6)
            try await rec.eventually("the vector index is rebuilt with every vector") {
                guard let rebuilt = rec.runtime.personal.models.first(where: { $0.kind == .textEmbedding }) else { return false }
                return rebuilt !== loaded && rebuilt.items.count == 6
            }
            #expect(try await rec.admin.reindex(RecV1.ReindexRequest()).productsIndexed == 6)

            // An edited title is embedded again and reaches the index.
            var product = try await rec.rec.getProduct(RecV1.GetProductRequest(sku: "t-4"))
            product.title = "Cast Iron Skillet"
            _ = try await rec.admin.upsertProduct(RecV1.UpsertProductRequest(product: product))
            #expect(try await rec.runtime.pool.withConnection { try worker.embedPending($0) } == 1)
            try await rec.eventually("the new vector arrives") {
                try await rec.rec.search(RecV1.SearchRequest(query: "frying pan")).results.first?.product?.sku == "t-4"
            }
        }
    }
}
