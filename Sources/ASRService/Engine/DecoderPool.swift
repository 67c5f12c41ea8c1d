internal import PocketSphinx
internal import Synchronization

/// A decoder with the model version it was built for.
///
/// `@unchecked Sendable`: the decoder inside is not thread-safe, and it is only used by jobs
/// on the worker thread of the pool slot that holds it, while the slot is leased; the pool
/// hands it over between slots (or drops it) only while no lease holds it.
public final class DecoderBox: @unchecked Sendable {
    let engine: any UtteranceEngine
    public let modelVersion: String

    init(engine: any UtteranceEngine, modelVersion: String) {
        self.engine = engine
        self.modelVersion = modelVersion
    }
}

/// The bounded pool of decoders: one per worker thread, leased to one call at a time.
///
/// A call waits in a bounded line when every decoder is busy, and gets RESOURCE_EXHAUSTED
/// (`ASRError.busy`) when the line is full too. A new model generation is installed
/// without dropping calls: idle slots switch at once, leased slots when their call ends.
///
/// ## Shutdown
/// `shutdown()` fails the waiting calls and lets the worker threads exit.
public final class DecoderPool: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Int, any Error>
    }

    private struct State {
        var decoders: [DecoderBox?]
        var pending: [DecoderBox?]
        var idle: [Int] = []
        var leased: Set<Int> = []
        var waiters: [Waiter] = []
        var nextWaiter: UInt64 = 0
        var modelVersion: String?
        var closed = false
        var rejected = 0
    }

    public let size: Int
    public let maxWaiting: Int
    private let workers: [WorkerThread]
    private let state: Mutex<State>

    /// - Parameters:
    ///   - size: the number of decoders (worker threads).
    ///   - maxWaiting: how many calls may wait for a decoder before RESOURCE_EXHAUSTED.
    public init(size: Int, maxWaiting: Int) {
        self.size = size
        self.maxWaiting = maxWaiting
        workers = (0..<size).map { WorkerThread(name: "asr-decoder-\($0)") }
        state = Mutex(State(decoders: Array(repeating: nil, count: size), pending: Array(repeating: nil, count: size)))
    }

    /// The model version calls get now; nil until the first model is installed.
    public var modelVersion: String? { state.withLock { $0.modelVersion } }

    /// How many decoders are leased right now.
    public var busyCount: Int { state.withLock { $0.leased.count } }

    /// How many calls wait in line for a decoder right now.
    public var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// How many calls were refused because the line was full.
    public var rejectedCount: Int { state.withLock { $0.rejected } }

    /// Installs a new generation of decoders (`size` of them).
    public func install(_ boxes: [DecoderBox], modelVersion: String) {
        precondition(boxes.count == size, "a generation has one decoder per slot")
        var dropped: [DecoderBox?] = []
        var handOver: [(CheckedContinuation<Int, any Error>, Int)] = []
        state.withLock { state in
            let first = state.modelVersion == nil
            state.modelVersion = modelVersion
            for slot in 0..<size {
                if state.leased.contains(slot) {
                    dropped.append(state.pending[slot])
                    state.pending[slot] = boxes[slot]
                } else {
                    dropped.append(state.decoders[slot])
                    state.decoders[slot] = boxes[slot]
                    if first { state.idle.append(slot) }
                }
            }
            while !state.waiters.isEmpty, !state.idle.isEmpty {
                let slot = state.idle.removeFirst()
                state.leased.insert(slot)
                handOver.append((state.waiters.removeFirst().continuation, slot))
            }
        }
        for (continuation, slot) in handOver { continuation.resume(returning: slot) }
        dropped.removeAll()  // old decoders are freed here, outside the lock
    }

    /// Leases a decoder, waiting in line when all are busy.
    /// - Throws: `ASRError` `.notReady` before the first model, `.busy` when the line is full.
    public func lease() async throws(ASRError) -> Lease {
        enum Decision {
            case slot(Int)
            case wait(UInt64)
            case fail(ASRError)
        }
        let decision = state.withLock { state -> Decision in
            if state.closed { return .fail(ASRError(.notReady, "asr-svc is shutting down.")) }
            guard state.modelVersion != nil else {
                return .fail(ASRError(.notReady, "The speech model is still loading; retry shortly."))
            }
            if !state.idle.isEmpty {
                let slot = state.idle.removeFirst()
                state.leased.insert(slot)
                return .slot(slot)
            }
            guard state.waiters.count < maxWaiting else {
                state.rejected += 1
                return .fail(
                    ASRError(
                        .busy, "All \(size) decoders are busy and \(state.waiters.count) calls are waiting; retry later."))
            }
            state.nextWaiter += 1
            return .wait(state.nextWaiter)
        }
        let slot: Int
        switch decision {
        case .slot(let leased): slot = leased
        case .fail(let error): throw error
        case .wait(let id):
            do {
                slot = try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        let cancelled = state.withLock { state -> Bool in
                            if Task.isCancelled { return true }
                            state.waiters.append(Waiter(id: id, continuation: continuation))
                            return false
                        }
                        if cancelled { continuation.resume(throwing: CancellationError()) }
                    }
                } onCancel: {
                    let waiter = state.withLock { state -> Waiter? in
                        guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                        return state.waiters.remove(at: index)
                    }
                    waiter?.continuation.resume(throwing: CancellationError())
                }
            } catch let error as ASRError {
                throw error
            } catch {
                throw ASRError(.busy, "The call was cancelled while waiting for a decoder.", cause: error)
            }
        }
        let box = state.withLock { $0.decoders[slot]! }
        return Lease(pool: self, slot: slot, box: box, worker: workers[slot])
    }

    fileprivate func release(_ slot: Int) {
        var dropped: DecoderBox?
        let next = state.withLock { state -> CheckedContinuation<Int, any Error>? in
            if let pending = state.pending[slot] {
                dropped = state.decoders[slot]
                state.decoders[slot] = pending
                state.pending[slot] = nil
            }
            // Queued before the slot is free, so it runs before the next call's work.
            if let box = state.decoders[slot] { workers[slot].submit { box.engine.reset() } }
            if !state.waiters.isEmpty {
                return state.waiters.removeFirst().continuation
            }
            state.leased.remove(slot)
            state.idle.append(slot)
            return nil
        }
        next?.resume(returning: slot)
        _ = dropped
    }

    /// Fails waiting calls and stops the worker threads once their jobs finish.
    public func shutdown() {
        let waiters = state.withLock { state -> [Waiter] in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: ASRError(.notReady, "asr-svc is shutting down.")) }
        for worker in workers { worker.stop() }
    }

    /// Runs `body` on the worker thread of slot `slot` (model builds use each slot's thread).
    func run<Result: Sendable>(
        onSlot slot: Int, _ body: @escaping @Sendable () throws(ASRError) -> Result
    ) async throws(ASRError) -> Result {
        try await workers[slot].run(body)
    }

    /// Exclusive use of one decoder until `release()`.
    public struct Lease: Sendable {
        fileprivate let pool: DecoderPool
        let slot: Int
        let box: DecoderBox
        let worker: WorkerThread

        public var modelVersion: String { box.modelVersion }

        /// Runs `body` with the decoder, on its worker thread.
        public func run<Result: Sendable>(
            _ body: @escaping @Sendable (any UtteranceEngine) throws(ASRError) -> Result
        ) async throws(ASRError) -> Result {
            let box = box
            return try await worker.run { () throws(ASRError) -> Result in try body(box.engine) }
        }

        /// Gives the decoder back (to the next waiting call, or to the idle slots).
        public func release() { pool.release(slot) }
    }
}
