import Postgres
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

            try await TestSupport.onOwnThread { try cluster.start() }
            try await rec.eventually("health SERVING again", timeout: .seconds(20)) { rec.health.status(of: "") == .serving }
            for number in 0..<5 {
                let reply = try await rec.rec.recordEvent(
                    RecV1.RecordEventRequest(idempotencyKey: "after-\(number)", userID: "erin", type: .view, productID: product))
                acknowledged.append(reply.eventID)
            }
            let stored = try await rec.runtime.pool.query(
                "SELECT count(*) AS n FROM events WHERE id = ANY($1::bigint[])", [.text("{" + acknowledged.joined(separator: ",") + "}")])
            #expect(stored.first?.int("n") == acknowledged.count)
            #expect(rec.runtime.pool.statistics.connectionErrorsTotal > 0)
        }
    }
}
