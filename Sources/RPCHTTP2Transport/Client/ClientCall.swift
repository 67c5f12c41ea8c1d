internal import RPCCore
internal import Synchronization

/// A value that arrives once; readers wait for it.
final class Promise<Value: Sendable>: Sendable {
    private let state = Mutex<(result: Result<Value, RPCError>?, waiters: [CheckedContinuation<Value, any Error>])>((nil, []))

    func succeed(_ value: Value) { complete(.success(value)) }
    func fail(_ error: RPCError) { complete(.failure(error)) }

    func complete(_ result: Result<Value, RPCError>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, any Error>] in
            guard state.result == nil else { return [] }
            state.result = result
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result.mapError { $0 as any Error }) }
    }

    var peek: Result<Value, RPCError>? { state.withLock { $0.result } }

    func get() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let result = state.withLock { state -> Result<Value, RPCError>? in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let result { continuation.resume(with: result.mapError { $0 as any Error }) }
        }
    }
}

/// One client call as the caller sees it: request writes go to the outbox, responses come
/// from the inbox, and the status arrives with the trailers.
final class ClientCall: RPCClientStream, Sendable {
    let method: MethodDescriptor
    let inbox: StreamInbox
    let outbox: StreamOutbox
    let maxSendMessageBytes: Int
    let headers = Promise<Metadata>()
    let trailers = Promise<Metadata>()
    /// The call's outcome: nil for OK.
    let status = Promise<RPCError?>()
    /// Set when the call failed before any byte of it reached the server (safe to retry).
    let notSent = Atomic<Bool>(false)
    private let cancelHook = Mutex<(@Sendable (RPCError) -> Void)?>(nil)

    init(method: MethodDescriptor, inbox: StreamInbox, outbox: StreamOutbox, maxSendMessageBytes: Int) {
        self.method = method
        self.inbox = inbox
        self.outbox = outbox
        self.maxSendMessageBytes = maxSendMessageBytes
    }

    /// Installs what cancelling does on the loop (reset the stream).
    func setCancelHook(_ hook: @escaping @Sendable (RPCError) -> Void) { cancelHook.withLock { $0 = hook } }

    /// Ends the call with `error` (OK when nil), resolving everything a caller may wait for.
    func finish(_ error: RPCError?, trailers metadata: Metadata) {
        // The status first: a caller woken by any of the others may look at it at once.
        status.succeed(error)
        trailers.succeed(metadata)
        headers.complete(error.map { .failure($0) } ?? .success([:]))
        inbox.finish(error)
        if let error { outbox.fail(error) }
    }

    /// Cancels the call from the caller's side.
    func cancel(_ error: RPCError) {
        guard status.peek == nil else { return }
        let hook = cancelHook.withLock { $0 }
        finish(error, trailers: [:])
        hook?(error)
    }

    // MARK: RPCClientStream

    func write(_ message: [UInt8]) async throws {
        guard message.count <= maxSendMessageBytes else {
            throw RPCError(
                code: .resourceExhausted,
                message: "The request message is \(message.count) bytes, over the client's send limit of \(maxSendMessageBytes) bytes."
            )
        }
        try await outbox.write(framed: GRPCMessageFramer.frame(message))
    }

    func closeSend() async throws { outbox.close(trailers: nil) }

    func nextMessage() async throws -> [UInt8]? { try await inbox.nextMessage() }

    func initialMetadata() async throws -> Metadata { try await headers.get() }

    func trailingMetadata() async -> Metadata { (try? await trailers.get()) ?? [:] }
}
