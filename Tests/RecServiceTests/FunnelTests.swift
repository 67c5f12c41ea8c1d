import Foundation
import Protos
import RPCCore
import RecService
import Testing

/// The voice funnel on seeded utterances and events, through the RPCs.
@Suite struct FunnelTests {
    @Test func funnelCountsEachStageOverallByConfidenceAndByIntent() async throws {
        try await RecHarness.with { rec in
            try await rec.importJSONL([productLine("f-1", "Red Dress", price: 30), productLine("f-2", "Blue Shoes", price: 50)])
            let ids = try await rec.rec.search(RecV1.SearchRequest(query: "dress")).results.compactMap { $0.product?.id }
            let product = try #require(ids.first)
            let now = Int64(Date.now.timeIntervalSince1970 * 1000)
            // (request, source, intent, confidence, shown, events)
            let seeds: [(String, String, String, Float, Int32, [RecV1.EventType])] = [
                ("r1", "voice", "search_products", 0.95, 10, [.click, .addToCart, .purchase]),
                ("r2", "voice", "search_products", 0.92, 8, [.click]),
                ("r3", "voice", "search_products", 0.40, 3, []),  // misheard: nothing follows
                ("r4", "voice", "search_products", 0.60, 0, []),
                ("r5", "text", "search_products", 0, 5, [.click, .addToCart]),
                ("r6", "voice", "order_status", 0.80, 0, []),
            ]
            for (request, source, intent, confidence, shown, events) in seeds {
                let reply = try await rec.rec.recordUtterance(
                    RecV1.RecordUtteranceRequest(
                        requestID: request, source: source, intent: intent, asrConfidence: confidence, resultsShown: shown, occurredAtMs: now - 60_000))
                #expect(reply.recorded)
                for (index, type) in events.enumerated() {
                    _ = try await rec.rec.recordEvent(
                        RecV1.RecordEventRequest(
                            idempotencyKey: "\(request)-\(index)", userID: "funnel-user", type: type, productID: product, requestID: request))
                }
            }
            // A retry is not counted twice; an utterance outside the window is not counted.
            #expect(try await !rec.rec.recordUtterance(RecV1.RecordUtteranceRequest(requestID: "r1", source: "voice", intent: "search_products")).recorded)
            _ = try await rec.rec.recordUtterance(
                RecV1.RecordUtteranceRequest(requestID: "old", source: "voice", intent: "search_products", asrConfidence: 0.9, occurredAtMs: now - 3 * 86_400_000))

            let report = try await rec.admin.funnel(RecV1.FunnelRequest())
            #expect(report.overall == RecV1.FunnelStages(utterances: 6, resultsShown: 4, clicked: 3, addedToCart: 2, purchased: 1))
            let buckets = Dictionary(uniqueKeysWithValues: report.byConfidence.map { ($0.key, $0.stages ?? RecV1.FunnelStages()) })
            #expect(report.byConfidence.map(\.key) == ["text", "0.0-0.5", "0.5-0.7", "0.7-0.9", "0.9-1.0"])
            #expect(buckets["0.9-1.0"] == RecV1.FunnelStages(utterances: 2, resultsShown: 2, clicked: 2, addedToCart: 1, purchased: 1))
            #expect(buckets["0.0-0.5"] == RecV1.FunnelStages(utterances: 1, resultsShown: 1, clicked: 0, addedToCart: 0, purchased: 0))
            #expect(buckets["text"] == RecV1.FunnelStages(utterances: 1, resultsShown: 1, clicked: 1, addedToCart: 1, purchased: 0))
            #expect(report.byIntent.map(\.key) == ["search_products", "order_status"])
            #expect(report.byIntent.first?.stages?.utterances == 5)

            let wide = try await rec.admin.funnel(RecV1.FunnelRequest(sinceMs: now - 7 * 86_400_000))
            #expect(wide.overall?.utterances == 7)
            await #expect(throws: RPCError.self) { _ = try await rec.admin.funnel(RecV1.FunnelRequest(sinceMs: now, untilMs: now - 1)) }
            let bad = await #expect(throws: RPCError.self) {
                _ = try await rec.rec.recordUtterance(RecV1.RecordUtteranceRequest(requestID: "r9", source: "smoke", intent: "x"))
            }
            #expect(bad?.code == .invalidArgument)
        }
    }

    @Test func aBatchIsRecordedInOneCallAndRetriesAreNotCountedTwice() async throws {
        try await RecHarness.with { rec in
            let batch = (1...3).map { RecV1.RecordUtteranceRequest(requestID: "b\($0)", source: "voice", intent: "search_products", asrConfidence: 0.9) }
            let first = try await rec.rec.recordUtterances(RecV1.RecordUtterancesRequest(utterances: batch))
            #expect(first.recorded == 3)
            // b3 again (a retried batch) with one new utterance: only the new one counts.
            let retry = [batch[2], RecV1.RecordUtteranceRequest(requestID: "b4", source: "text", intent: "view_cart")]
            #expect(try await rec.rec.recordUtterances(RecV1.RecordUtterancesRequest(utterances: retry)).recorded == 1)
            #expect(try await rec.rec.recordUtterances(RecV1.RecordUtterancesRequest()).recorded == 0)
            #expect(try await rec.admin.funnel(RecV1.FunnelRequest()).overall?.utterances == 4)

            // One bad utterance fails the call, names its index, and stores none of the batch.
            let bad = await #expect(throws: RPCError.self) {
                _ = try await rec.rec.recordUtterances(
                    RecV1.RecordUtterancesRequest(utterances: [
                        RecV1.RecordUtteranceRequest(requestID: "b5", source: "voice", intent: "search_products"),
                        RecV1.RecordUtteranceRequest(requestID: "b6", source: "smoke", intent: "search_products"),
                    ]))
            }
            #expect(bad?.code == .invalidArgument)
            #expect(bad?.message.hasPrefix("utterance 1:") == true)
            let tooMany = await #expect(throws: RPCError.self) {
                _ = try await rec.rec.recordUtterances(
                    RecV1.RecordUtterancesRequest(
                        utterances: (0...1000).map { RecV1.RecordUtteranceRequest(requestID: "m\($0)", source: "text", intent: "view_cart") }))
            }
            #expect(tooMany?.code == .invalidArgument)
            #expect(try await rec.admin.funnel(RecV1.FunnelRequest()).overall?.utterances == 4)
        }
    }
}
