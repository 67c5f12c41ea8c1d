@testable import GatewayService
import Protos
import RPCCore
import Synchronization
import Testing

/// The funnel's batching recorder, with a send closure the test holds back.
@Suite struct UtteranceRecorderTests {
    /// A send that records each batch's request ids and waits until the test opens it.
    final class Sink: Sendable {
        let batches = Mutex<[[String]]>([])
        let gate = Mutex<[CheckedContinuation<Void, Never>]>([])
        let open = Mutex(false)
        let failing: Bool

        init(failing: Bool = false) { self.failing = failing }

        func send(_ batch: [RecV1.RecordUtteranceRequest]) async throws {
            batches.withLock { $0.append(batch.map(\.requestID)) }
            await withCheckedContinuation { continuation in
                let now = open.withLock { $0 }
                if now { continuation.resume() } else { gate.withLock { $0.append(continuation) } }
            }
            if failing { throw RPCError(code: .unavailable, message: "rec-svc is gone") }
        }

        func release() {
            open.withLock { $0 = true }
            for waiter in gate.withLock({ waiters in defer { waiters = [] }; return waiters }) { waiter.resume() }
        }
    }

    static func utterance(_ id: String) -> RecV1.RecordUtteranceRequest {
        RecV1.RecordUtteranceRequest(requestID: id, source: "text", intent: "search_products")
    }

    static func count(_ metrics: GatewayMetrics, _ outcome: String) -> String? {
        metrics.render().split(separator: "\n")
            .first { $0.hasPrefix("gateway_utterances_recorded_total{outcome=\"\(outcome)\"}") }?
            .split(separator: " ").last.map(String.init)
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(2)) }
        #expect(condition())
    }

    @Test func whatArrivesDuringACallGoesInTheNextBatch() async throws {
        let sink = Sink()
        let metrics = GatewayMetrics()
        let recorder = UtteranceRecorder(metrics: metrics) { try await sink.send($0) }
        recorder.record(Self.utterance("u0"))
        try await Self.waitUntil { sink.batches.withLock { $0.count } == 1 }
        for index in 1...5 { recorder.record(Self.utterance("u\(index)")) }
        #expect(recorder.pendingCount == 5)
        sink.release()
        try await Self.waitUntil { Self.count(metrics, "ok") == "6" }
        #expect(sink.batches.withLock { $0 } == [["u0"], ["u1", "u2", "u3", "u4", "u5"]])
        #expect(recorder.pendingCount == 0)
    }

    @Test func batchesAreCappedAtMaxBatch() async throws {
        let sink = Sink()
        let metrics = GatewayMetrics()
        let recorder = UtteranceRecorder(maxBatch: 2, metrics: metrics) { try await sink.send($0) }
        recorder.record(Self.utterance("a"))
        try await Self.waitUntil { sink.batches.withLock { $0.count } == 1 }
        for id in ["b", "c", "d"] { recorder.record(Self.utterance(id)) }
        sink.release()
        try await Self.waitUntil { Self.count(metrics, "ok") == "4" }
        #expect(sink.batches.withLock { $0 } == [["a"], ["b", "c"], ["d"]])
    }

    @Test func whenRecSvcFallsBehindNewUtterancesAreDroppedAndCounted() async throws {
        let sink = Sink()
        let metrics = GatewayMetrics()
        let recorder = UtteranceRecorder(capacity: 3, metrics: metrics) { try await sink.send($0) }
        recorder.record(Self.utterance("in-flight"))
        try await Self.waitUntil { sink.batches.withLock { $0.count } == 1 }
        for index in 0..<5 { recorder.record(Self.utterance("w\(index)")) }
        #expect(recorder.pendingCount == 3)
        #expect(Self.count(metrics, "dropped") == "2")
        sink.release()
        try await Self.waitUntil { Self.count(metrics, "ok") == "4" }
        #expect(sink.batches.withLock { $0.last } == ["w0", "w1", "w2"])
    }

    @Test func aFailedCallCountsItsWholeBatch() async throws {
        let sink = Sink(failing: true)
        sink.release()
        let metrics = GatewayMetrics()
        let recorder = UtteranceRecorder(metrics: metrics) { try await sink.send($0) }
        recorder.record(Self.utterance("x"))
        try await Self.waitUntil { Self.count(metrics, "failed") == "1" }
        #expect(Self.count(metrics, "ok") == nil)
    }

    @Test func flushWaitsForTheQueueAndTheCallInFlightWithinItsBound() async throws {
        let sink = Sink()
        let metrics = GatewayMetrics()
        let recorder = UtteranceRecorder(maxBatch: 2, metrics: metrics) { try await sink.send($0) }
        for index in 0..<5 { recorder.record(Self.utterance("f\(index)")) }
        try await Self.waitUntil { sink.batches.withLock { $0.count } == 1 }
        // rec-svc holds the first call: the bound is reached and nothing is claimed sent.
        #expect(await recorder.flush(within: .milliseconds(50)) == false)
        sink.release()
        #expect(await recorder.flush(within: .seconds(10)))
        #expect(Self.count(metrics, "ok") == "5")
        #expect(sink.batches.withLock { $0 } == [["f0", "f1"], ["f2", "f3"], ["f4"]])
        #expect(await recorder.flush(within: .zero))  // nothing queued: at once
    }
}
