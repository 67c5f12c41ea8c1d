import Postgres
import Synchronization
import Protos
import RPCCore
import RecService
import ServiceKit
import TestSupport
import Testing

/// PostgreSQL stops in the middle of a run: health goes NOT_SERVING, calls get UNAVAILABLE,
/// the service reconnects when PostgreSQL is back, and no acknowledged event is lost.
@Suite struct DatabaseOutageTests {
    @Test func killingPostgresMidRunLosesNoAcknowledgedEvent() async throws {
        let cluster = try await TestSupport.onOwnThread { try TestCluster(durable: true) }
        defer { cluster.destroy() }
        try await RecHarness.with(conninfo: cluster.conninfo) { rec in
            try await rec.importJSONL([productLine("k-1", "Trail Running Shoes", price: 99, brand: "Salomon", category: "Shoes/Running")])
            let product = try await rec.rec.getProduct(RecV1.GetProductRequest(sku: "k-1")).id
            #expect(rec.health.status(of: "") == .serving)
            var acknowledged: [String] = []
            for number in 0..<20 {
                let reply = try await rec.rec.recordEvent(
                    RecV1.RecordEventRequest(idempotencyKey: "before-\(number)", userID: "erin", type: .click, productID: product))
                acknowledged.append(reply.eventID)
            }

            // A writer records events all through the outage, one every 20 ms: each is either
            // acknowledged or refused with UNAVAILABLE, and the refused ones are retried with
            // their idempotency key once PostgreSQL is back.
            // Stopped by a flag, not by cancelling the task: a cancelled call ends CANCELLED.
            let stop = StopFlag()
            let writer = Task { () -> (acknowledged: [String], refused: [(key: String, code: StatusCode)], attempts: Int) in
                var acknowledged: [String] = [], refused: [(key: String, code: StatusCode)] = []
                var attempts = 0
                while !stop.isSet {
                    let key = "during-\(attempts)"
                    attempts += 1
                    do {
                        let reply = try await rec.rec.recordEvent(
                            RecV1.RecordEventRequest(idempotencyKey: key, userID: "erin", type: .view, productID: product))
                        acknowledged.append(reply.eventID)
                    } catch let error as RPCError {
                        refused.append((key, error.code))
                    } catch {
                        refused.append((key, .unknown))
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return (acknowledged, refused, attempts)
            }
            try await Task.sleep(for: .milliseconds(200))

            try await TestSupport.onOwnThread { try cluster.stop() }
            try await rec.eventually("health NOT_SERVING") { rec.health.status(of: "") == .notServing }
            #expect(rec.health.status(of: "voiceshop.rec.v1.Rec") == .notServing)
            // Not ready, but alive: a liveness probe must not restart the pod for this.
            #expect(rec.health.status(of: HealthService.liveness) == .serving)
            let failure = await #expect(throws: RPCError.self) {
                try await rec.rec.addToCart(RecV1.AddToCartRequest(userID: "erin", productID: product))
            }
            #expect(failure?.code == .unavailable, "\(String(describing: failure))")
            #expect(failure?.message.contains("unreachable") == true)
            // Searches are served from memory meanwhile.
            #expect(try await rec.rec.search(RecV1.SearchRequest(query: "running shoes")).totalMatches == 1)

            // The writer meets the outage for a while (a call every 20 ms).
            try await Task.sleep(for: .milliseconds(400))
            try await TestSupport.onOwnThread { try cluster.start() }
            try await rec.eventually("health SERVING again", timeout: .seconds(20)) { rec.health.status(of: "") == .serving }
            try await Task.sleep(for: .milliseconds(200))
            stop.set()
            let during = await writer.value
            #expect(!during.refused.isEmpty, "the writer ran through the outage: \(during.attempts) attempts, \(during.acknowledged.count) acknowledged")
            #expect(during.refused.allSatisfy { $0.code == .unavailable }, "\(during.refused.map(\.code))")
            acknowledged += during.acknowledged
            // Retried with the same key, each refused event is stored once (it may have
            // committed before its connection died: then the retry is a duplicate).
            for (key, _) in during.refused {
                let reply = try await rec.rec.recordEvent(
                    RecV1.RecordEventRequest(idempotencyKey: key, userID: "erin", type: .view, productID: product))
                acknowledged.append(reply.eventID)
            }
            let keys = try await rec.runtime.pool.query(
                "SELECT count(*) AS n, count(DISTINCT idempotency_key) AS distinct_keys FROM events WHERE idempotency_key LIKE 'during-%'")
            #expect(keys.first?.int("n") == during.attempts && keys.first?.int("distinct_keys") == during.attempts)
            for number in 0..<5 {
                let reply = try await rec.rec.recordEvent(
                    RecV1.RecordEventRequest(idempotencyKey: "after-\(number)", userID: "erin", type: .view, productID: product))
                acknowledged.append(reply.eventID)
            }
            let stored = try await rec.runtime.pool.query(
                "SELECT count(*) AS n FROM events WHERE id = ANY($1::bigint[])", [.text("{" + acknowledged.joined(separator: ",") + "}")])
            #expect(stored.first?.int("n") == Set(acknowledged).count)
            #expect(rec.runtime.pool.statistics.connectionErrorsTotal > 0)
        }
    }
}

/// A flag one task sets and another polls.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
