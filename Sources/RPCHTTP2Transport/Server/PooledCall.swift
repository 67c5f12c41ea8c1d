internal import RPCCore
internal import ServiceRuntime
internal import Synchronization

/// Frames and queues response messages of a server call.
struct OutboxSink: RPCMessageSink {
    let outbox: StreamOutbox
    let maxMessageBytes: Int

    func write(_ message: [UInt8]) async throws {
        guard message.count <= maxMessageBytes else {
            throw RPCError(
                code: .resourceExhausted,
                message: "The response message is \(message.count) bytes, over the server's send limit of \(maxMessageBytes) bytes."
            )
        }
        try await outbox.write(framed: GRPCMessageFramer.frame(message))
    }
}

/// One call whose handler runs as a task of its own: off the event loop, or starting on it
/// (`RPCHandler.startsOnLoop`).
final class PooledCall: Sendable {
    let body: @Sendable (any RPCMessageSource, any RPCMessageSink, ServerContext) async throws -> Void
    let context: ServerContext
    let inbox: StreamInbox
    let outbox: StreamOutbox
    let maxSendMessageBytes: Int
    /// Fired when the call is cancelled (RST_STREAM, deadline, shutdown) or has ended.
    let ended = ShutdownSignal()
    let onFinish: @Sendable (RPCError?) -> Void
    /// The status code the handler ended with (its raw value), or -1 while it runs or when
    /// it was cancelled.
    let finalCode = Atomic<Int>(-1)
    /// The handler's task once started, and whether the call was cancelled (before or after).
    private let task = Mutex<(handle: Task<Void, Never>?, cancelled: Bool)>((nil, false))

    /// The status the handler ended with; `nil` while it runs or when it was cancelled.
    var endedCode: StatusCode? { StatusCode(rawValue: finalCode.load(ordering: .acquiring)) }

    init(
        body: @escaping @Sendable (any RPCMessageSource, any RPCMessageSink, ServerContext) async throws -> Void,
        context: ServerContext,
        inbox: StreamInbox,
        outbox: StreamOutbox,
        maxSendMessageBytes: Int,
        onFinish: @escaping @Sendable (RPCError?) -> Void
    ) {
        self.body = body
        self.context = context
        self.inbox = inbox
        self.outbox = outbox
        self.maxSendMessageBytes = maxSendMessageBytes
        self.onFinish = onFinish
    }

    /// Cancels the handler (its task, once started); `error` goes to its reads and writes,
    /// and the stream ends with `trailers` when given.
    func cancel(_ error: RPCError, trailers: [(String, String)]? = nil) {
        inbox.finish(error)
        outbox.fail(error, trailers: trailers)
        ended.trigger()
        let handle = task.withLock { state in
            state.cancelled = true
            return state.handle
        }
        handle?.cancel()
    }

    /// Records the task running the handler; a call cancelled before it started cancels it.
    func attach(_ handle: Task<Void, Never>) {
        let cancelled = task.withLock { state in
            state.handle = handle
            return state.cancelled
        }
        if cancelled { handle.cancel() }
    }

    /// Runs the handler to the end. Cancelling the call cancels the task running this, and
    /// ends the handler's reads and writes, so a handler that ignores cancellation still
    /// stops at its next read or write. `returned` runs when the handler has returned, before
    /// its status is queued: its slot is free before the client can see the call end.
    func run(returned: () -> Void) async {
        let sink = OutboxSink(outbox: outbox, maxMessageBytes: maxSendMessageBytes)
        var failure: RPCError?
        do {
            try await ServerContext.$current.withValue(context) {
                try await body(inbox, sink, context)
            }
        } catch {
            failure = RPCError(wrapping: error)
        }
        returned()
        if !ended.isTriggered {
            finalCode.store(failure?.code.rawValue ?? 0, ordering: .releasing)
            onFinish(failure)
        }
        ended.trigger()
    }
}

/// Starts pooled handlers as tasks, at most `limit` running at a time.
final class CallDispatcher: Sendable {
    private let running = Atomic<Int>(0)
    private let drainWaiters = Mutex<[CheckedContinuation<Void, Never>]>([])
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Reserves a slot; false when `limit` handlers already run.
    func tryAdmit() -> Bool {
        var current = running.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = running.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Handlers running now.
    var runningCount: Int { running.load(ordering: .relaxed) }

    /// Starts an admitted call: on the calling thread until the handler first suspends
    /// (`immediately`, from the event loop), or on the global executor.
    func start(_ call: PooledCall, immediately: Bool) {
        let handle: Task<Void, Never>
        if immediately {
            handle = Task.immediate { await call.run(returned: self.release) }
        } else {
            handle = Task { await call.run(returned: self.release) }
        }
        call.attach(handle)
    }

    private func release() {
        guard running.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        let waiters = drainWaiters.withLock { waiters in
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once no handler runs. Call it when no more calls can be admitted (every
    /// connection has closed), or it may return while a later call runs.
    func drained() async {
        await withCheckedContinuation { continuation in
            let idle = drainWaiters.withLock { waiters -> Bool in
                if running.load(ordering: .acquiring) == 0 { return true }
                waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
