internal import Protos
internal import RPCCore
internal import Synchronization

/// Sends the voice funnel's utterances to rec-svc in batches, off the request path.
///
/// One call is in flight at a time: what arrives meanwhile waits, and goes in the next call
/// (at most `maxBatch`). A busy gateway therefore makes a few `RecordUtterances` calls a
/// second instead of one per request, and the funnel's writes cannot crowd out searches on
/// rec-svc. When rec-svc is slower than the requests for long enough that `capacity`
/// utterances wait, new ones are dropped and counted (`outcome="dropped"`): the funnel is
/// analytics, and no request waits for it. On shutdown the gateway `flush`es what is queued,
/// within a bound, so a SIGTERM loses no utterance that rec-svc can still take.
final class UtteranceRecorder: Sendable {
    typealias Send = @Sendable ([RecV1.RecordUtteranceRequest]) async throws -> Void

    private struct State {
        var pending: [RecV1.RecordUtteranceRequest] = []
        var waiter: CheckedContinuation<Void, Never>?
        var started = false
        /// A batch taken but not yet answered.
        var sending = false
    }

    private let state = Mutex(State())
    private let send: Send
    private let metrics: GatewayMetrics
    let capacity: Int
    let maxBatch: Int

    init(capacity: Int = 10_000, maxBatch: Int = 500, metrics: GatewayMetrics, send: @escaping Send) {
        self.capacity = capacity
        self.maxBatch = maxBatch
        self.metrics = metrics
        self.send = send
    }

    /// Queues one utterance; never waits. The first call starts the sending task.
    func record(_ utterance: RecV1.RecordUtteranceRequest) {
        let (accepted, waiter, start) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?, Bool) in
            guard state.pending.count < capacity else { return (false, nil, false) }
            state.pending.append(utterance)
            let waiter = state.waiter
            state.waiter = nil
            let start = !state.started
            state.started = true
            return (true, waiter, start)
        }
        guard accepted else {
            metrics.utterancesRecorded(.dropped, count: 1)
            return
        }
        waiter?.resume()
        if start { Task { await self.run() } }
    }

    /// Utterances waiting to be sent.
    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Waits until every queued utterance has been sent (or has failed), for at most `limit`.
    /// - Returns: whether nothing is left.
    @discardableResult
    func flush(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while state.withLock({ !$0.pending.isEmpty || $0.sending }) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    private func run() async {
        while true {
            let batch = await nextBatch()
            do {
                try await send(batch)
                metrics.utterancesRecorded(.ok, count: batch.count)
            } catch {
                metrics.utterancesRecorded(.failed, count: batch.count)
            }
            state.withLock { $0.sending = false }
        }
    }

    /// Waits until something is pending, then takes up to `maxBatch` of it.
    private func nextBatch() async -> [RecV1.RecordUtteranceRequest] {
        while true {
            let batch = state.withLock { state -> [RecV1.RecordUtteranceRequest] in
                let batch = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(batch.count)
                state.sending = !batch.isEmpty
                return batch
            }
            if !batch.isEmpty { return batch }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.pending.isEmpty { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}
