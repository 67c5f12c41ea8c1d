import Postgres
import Protos
import RPCCore
@testable import RecService
import TestSupport
import Testing

/// Personalisation end to end: offline ALS from the event history, swapped in through NOTIFY,
/// then online gradient steps from RecordEvent move a user's ranking.
@Suite struct PersonalisationTests {
    static let brands = ["Sony", "Bose", "JBL", "Apple"]

    static func seed(_ rec: RecHarness) async throws -> [String: [String]] {
        var lines: [String] = []
        for brand in brands {
            for model in 1...5 {
                lines.append(productLine("\(brand)-\(model)", "\(brand) Wireless Headphones \(model)", price: Double(100 + model * 10), brand: brand, category: "Electronics/Headphones"))
            }
        }
        try await rec.importJSONL(lines)
        var ids: [String: [String]] = [:]
        for brand in brands {
            for model in 1...5 {
                ids[brand, default: []].append(try await rec.rec.getProduct(RecV1.GetProductRequest(sku: "\(brand)-\(model)")).id)
            }
        }
        // 40 shoppers, each loyal to one brand.
        for shopper in 0..<40 {
            let brand = brands[shopper % brands.count]
            for (index, id) in ids[brand]!.enumerated() where (index + shopper) % 5 != 0 {
                _ = try await rec.rec.recordEvent(
                    RecV1.RecordEventRequest(idempotencyKey: "s\(shopper)-\(id)", userID: "shopper-\(shopper)", type: .click, productID: id))
            }
        }
        return ids
    }

    static func train(_ rec: RecHarness) async throws -> String {
        var settings = ALSTrainer.Settings()
        settings.factors = 8
        settings.iterations = 10
        let outcome = try await FactorTraining.train(conninfo: rec.conninfo, settings: settings, logger: RecHarness.logger)
        try await rec.eventually("the new model is swapped in") {
            rec.runtime.personal.models.contains { $0.version == outcome.version }
        }
        return outcome.version
    }

    @Test func clicksOnABrandRankItHigherForThatUserThanForAnonymous() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            #expect(try await rec.admin.stats(RecV1.StatsRequest()).modelVersion == "bm25-v1")
            let version = try await Self.train(rec)
            // Stats names the model that now ranks, as Search does.
            #expect(try await rec.admin.stats(RecV1.StatsRequest()).modelVersion.contains(version))
            let bose = Set(ids["Bose"]!)
            func boseRanks(_ userID: String) async throws -> [Int] {
                let response = try await rec.rec.search(RecV1.SearchRequest(query: "wireless headphones", userID: userID, pageSize: 20))
                #expect(response.modelVersion.contains(version))
                return response.results.enumerated().filter { bose.contains($0.element.product!.id) }.map(\.offset)
            }
            let anonymous = try await boseRanks("")
            // A new shopper clicks three Bose headphones: three online steps on h_u.
            for id in ids["Bose"]!.prefix(3) {
                _ = try await rec.rec.recordEvent(RecV1.RecordEventRequest(idempotencyKey: "zoe-\(id)", userID: "zoe", type: .click, productID: id))
            }
            let personal = try await boseRanks("zoe")
            #expect(personal.reduce(0, +) < anonymous.reduce(0, +), "Bose ranks: personal \(personal), anonymous \(anonymous)")
            #expect(personal.first == 0)
            let steps = try await rec.runtime.pool.query(
                "SELECT online_steps FROM user_vectors WHERE user_id = 'zoe' AND model_version = $1", [.text(version)])
            #expect(steps.first?.int("online_steps") == 3)

            // Recommendations for her are Bose products she has not clicked.
            let recommended = try await rec.rec.recommend(RecV1.RecommendRequest(userID: "zoe", limit: 2))
            #expect(recommended.personalized)
            #expect(recommended.items.count == 2)
            #expect(recommended.items.allSatisfy { bose.contains($0.product!.id) && !ids["Bose"]!.prefix(3).contains($0.product!.id) })

            // A trained shopper's own vector ranks their brand first.
            let loyal = try await rec.rec.recommend(RecV1.RecommendRequest(userID: "shopper-2", limit: 1))
            #expect(loyal.items.first.map { ids["JBL"]!.contains($0.product!.id) } == true)

            // Retraining swaps in a new version without a gap; the old one stays as a fallback.
            let next = try await Self.train(rec)
            #expect(next != version)
            #expect(try await rec.rec.search(RecV1.SearchRequest(query: "headphones", userID: "shopper-1")).results.count == 10)
            let versions = try await rec.runtime.pool.query("SELECT version, is_active FROM model_versions ORDER BY created_at")
            #expect(versions.map { $0["is_active"] } == ["f", "t"])
        }
    }

    /// Two replicas on one database. Replica b has the shopper's vector cached (it served her
    /// a personal recommendation); replica a records an event (an online step) and then
    /// forgets her. Replica b drops its copy after each, through `user_vectors_changed`, and
    /// stops personalising for her.
    @Test func everyReplicaDropsAUsersCachedVectorWhenAnotherChangesOrForgetsIt() async throws {
        try await RecHarness.with { a in
            let ids = try await Self.seed(a)
            let version = try await Self.train(a)
            try await RecHarness.with(conninfo: a.conninfo) { b in
                try await b.eventually("replica b has the model") { b.runtime.personal.models.contains { $0.version == version } }
                let model = try #require(b.runtime.personal.models.first { $0.version == version })
                // Each change on replica a is waited for on b by its eviction count, so a late
                // notification cannot land between the steps below.
                func changedOnA(_ change: () async throws -> Void) async throws {
                    let before = model.evictions(of: "xena")
                    try await change()
                    try await b.eventually("replica b hears the change") { model.evictions(of: "xena") > before }
                }
                try await changedOnA {
                    _ = try await a.rec.recordEvent(
                        RecV1.RecordEventRequest(idempotencyKey: "x1", userID: "xena", type: .purchase, productID: ids["JBL"]![0]))
                }
                #expect(try await b.rec.recommend(RecV1.RecommendRequest(userID: "xena")).personalized)
                let first = try #require(model.cachedUserVector("xena"))
                // An online step on replica a: b's copy goes, and its next read is the new vector.
                try await changedOnA {
                    _ = try await a.rec.recordEvent(
                        RecV1.RecordEventRequest(idempotencyKey: "x2", userID: "xena", type: .purchase, productID: ids["JBL"]![1]))
                }
                #expect(model.cachedUserVector("xena") == nil)
                #expect(try await b.rec.recommend(RecV1.RecommendRequest(userID: "xena")).personalized)
                #expect(try #require(model.cachedUserVector("xena")) != first)
                // Forgotten on replica a: gone from b too.
                try await changedOnA { _ = try await a.rec.forgetUser(RecV1.ForgetUserRequest(userID: "xena")) }
                #expect(model.cachedUserVector("xena") == nil)
                #expect(try await !b.rec.recommend(RecV1.RecommendRequest(userID: "xena")).personalized)
            }
        }
    }

    /// A purchase moves h_u towards the item; returning it moves h_u away: the personal score
    /// σ(h_u·v_i) of that product falls, and both events took a step.
    @Test func aReturnMovesTheShopperAwayFromTheProduct() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            let version = try await Self.train(rec)
            let product = ids["JBL"]![0]
            func score() async throws -> Float {
                let scorer = try await rec.runtime.pool.withConnection { try rec.runtime.personal.personalScorer(userID: "rita", $0) }
                return try #require(scorer?(Int64(product)!))
            }
            _ = try await rec.rec.recordEvent(RecV1.RecordEventRequest(idempotencyKey: "r1", userID: "rita", type: .purchase, productID: product))
            let bought = try await score()
            _ = try await rec.rec.recordEvent(RecV1.RecordEventRequest(idempotencyKey: "r2", userID: "rita", type: .return, productID: product))
            let returned = try await score()
            #expect(returned < bought, "σ after the purchase \(bought), after the return \(returned)")
            let steps = try await rec.runtime.pool.query(
                "SELECT online_steps FROM user_vectors WHERE user_id = 'rita' AND model_version = $1", [.text(version)])
            #expect(steps.first?.int("online_steps") == 2)

            // A checkout's purchases and a requested return take their steps too.
            let other = ids["Sony"]![0]
            _ = try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "sam", productID: other))
            let order = try await rec.rec.checkout(RecV1.CheckoutRequest(userID: "sam", shippingAddress: "3 Oak Road"))
            let boughtOnce = try await rec.runtime.pool.withConnection { try rec.runtime.personal.personalScorer(userID: "sam", $0) }
            let afterPurchase = try #require(boughtOnce?(Int64(other)!))
            try await rec.runtime.pool.query("UPDATE orders SET status = 'delivered', delivered_at = now() WHERE id = $1", [.int(Int64(order.id)!)])
            _ = try await rec.rec.requestReturn(RecV1.RequestReturnRequest(orderID: order.id, userID: "sam", productIDs: [other], reason: "too small"))
            let returnedOnce = try await rec.runtime.pool.withConnection { try rec.runtime.personal.personalScorer(userID: "sam", $0) }
            #expect(try #require(returnedOnce?(Int64(other)!)) < afterPurchase)
            let samSteps = try await rec.runtime.pool.query(
                "SELECT online_steps FROM user_vectors WHERE user_id = 'sam' AND model_version = $1", [.text(version)])
            #expect(samSteps.first?.int("online_steps") == 2)
        }
    }

    @Test func forgettingAUserDropsTheirVectors() async throws {
        try await RecHarness.with { rec in
            let ids = try await Self.seed(rec)
            _ = try await Self.train(rec)
            _ = try await rec.rec.recordEvent(RecV1.RecordEventRequest(idempotencyKey: "y1", userID: "yann", type: .purchase, productID: ids["JBL"]![0]))
            #expect(try await rec.runtime.pool.query("SELECT 1 FROM user_vectors WHERE user_id = 'yann'").count == 1)
            _ = try await rec.rec.forgetUser(RecV1.ForgetUserRequest(userID: "yann"))
            #expect(try await rec.runtime.pool.query("SELECT 1 FROM user_vectors WHERE user_id = 'yann'").isEmpty)
            let after = try await rec.rec.recommend(RecV1.RecommendRequest(userID: "yann"))
            #expect(!after.personalized)
        }
    }
}
