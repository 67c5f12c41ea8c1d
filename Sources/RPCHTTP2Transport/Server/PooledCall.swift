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

/// One call whose handler runs off the event loop, on the server's handler pool.
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

    /// Cancels the handler; `error` goes to its reads and writes.
    func cancel(_ error: RPCError) {
        inbox.finish(error)
        outbox.fail(error)
        ended.trigger()
    }

    /// Runs the handler to the end, or until the call is cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let sink = OutboxSink(outbox: self.outbox, maxMessageBytes: self.maxSendMessageBytes)
                var failure: RPCError?
                do {
                    try await ServerContext.$current.withValue(self.context) {
                        try await self.body(self.inbox, sink, self.context)
                    }
                } catch {
                    failure = RPCError(wrapping: error)
                }
                if !self.ended.isTriggered {
                    self.finalCode.store(failure?.code.rawValue ?? 0, ordering: .releasing)
                    self.onFinish(failure)
                }
                self.ended.trigger()
            }
            group.addTask { await self.ended.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}

/// Runs pooled handlers in a task group, at most `limit` at a time.
final class CallDispatcher: Sendable {
    private let calls: AsyncStream<PooledCall>
    private let continuation: AsyncStream<PooledCall>.Continuation
    private let running = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) {
        self.limit = limit
        (calls, continuation) = AsyncStream.makeStream(of: PooledCall.self)
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

    /// Starts an admitted call.
    func submit(_ call: PooledCall) { continuation.yield(call) }

    /// No more calls will be submitted; `run()` returns once the running ones end.
    func finish() { continuation.finish() }

    func run() async {
        await withDiscardingTaskGroup { group in
            for await call in calls {
                group.addTask {
                    await call.run()
                    self.running.subtract(1, ordering: .relaxed)
                }
            }
        }
    }
}
