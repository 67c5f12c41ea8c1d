internal import NGHTTP2
internal import RPCCore
internal import Synchronization

/// Framed messages waiting to go out on one stream, and how the stream ends.
///
/// Writers (handler or client tasks) append; the event loop drains it from nghttp2's data
/// read callback. A writer suspends while more than `limit` bytes wait: the peer's flow
/// control window then holds back the writer, and memory per stream stays bounded.
final class StreamOutbox: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var head = 0
        var headOffset = 0
        var bufferedBytes = 0
        var closed = false
        var trailers: [(String, String)]? = nil
        var failure: RPCError? = nil
        var failureTrailers: [(String, String)]? = nil
        var needsKick = true
        var writers: [CheckedContinuation<Void, any Error>] = []
    }

    private let state = Mutex(State())
    private let limit: Int
    private let onKick: @Sendable () -> Void

    /// - Parameters:
    ///   - limit: bytes that may wait before writers suspend.
    ///   - onKick: asks the loop to start or resume the stream's DATA (called off the loop).
    init(limit: Int, onKick: @escaping @Sendable () -> Void) {
        self.limit = limit
        self.onKick = onKick
    }

    /// Queues one framed message.
    /// - Throws: the stream's failure (cancelled, deadline) or an error if it was closed.
    func write(framed bytes: [UInt8]) async throws {
        let (kick, mustWait) = try state.withLock { state -> (Bool, Bool) in
            if let failure = state.failure { throw failure }
            if state.closed { throw RPCError(code: .internal, message: "Write after the stream was closed.") }
            state.chunks.append(bytes)
            state.bufferedBytes += bytes.count
            let kick = state.needsKick
            state.needsKick = false
            return (kick, state.bufferedBytes > limit)
        }
        if kick { onKick() }
        if mustWait { try await waitForRoom() }
    }

    private func waitForRoom() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let immediate = state.withLock { state -> Result<Void, any Error>? in
                if let failure = state.failure { return .failure(failure) }
                if state.bufferedBytes <= limit { return .success(()) }
                state.writers.append(continuation)
                return nil
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    /// Closes the stream after the queued data. For a server, `trailers` carry the status;
    /// for a client, `nil` half-closes with END_STREAM on the last DATA frame.
    func close(trailers: [(String, String)]?) {
        let kick = state.withLock { state -> Bool in
            guard !state.closed, state.failure == nil else { return false }
            state.closed = true
            state.trailers = trailers
            let kick = state.needsKick
            state.needsKick = false
            return kick
        }
        if kick { onKick() }
    }

    /// Fails the stream: queued data is dropped and waiting and later writers get `error`.
    /// A server passes the `trailers` to end the stream with (the loop then resumes DATA).
    func fail(_ error: RPCError, trailers: [(String, String)]? = nil) {
        let writers = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard state.failure == nil else { return [] }
            state.failure = error
            state.failureTrailers = trailers
            state.chunks.removeAll()
            state.head = 0
            state.bufferedBytes = 0
            defer { state.writers.removeAll() }
            return state.writers
        }
        for writer in writers { writer.resume(throwing: error) }
    }

    /// Whether the stream has been closed (loop thread: to choose a trailers-only response).
    var isClosedWithoutData: (closed: Bool, empty: Bool, trailers: [(String, String)]?) {
        state.withLock { ($0.closed, $0.bufferedBytes == 0, $0.trailers) }
    }

    /// Copies queued bytes into nghttp2's buffer (loop thread, data read callback).
    func read(into buffer: UnsafeMutableRawBufferPointer) -> HTTP2DataReadResult {
        var resumed: [CheckedContinuation<Void, any Error>] = []
        let result = state.withLock { state -> HTTP2DataReadResult in
            if state.failure != nil { return .end(count: 0, trailers: state.failureTrailers) }
            var written = 0
            while written < buffer.count && state.head < state.chunks.count {
                let chunk = state.chunks[state.head]
                let n = min(buffer.count - written, chunk.count - state.headOffset)
                chunk.withUnsafeBytes { source in
                    buffer.baseAddress!.advanced(by: written).copyMemory(
                        from: source.baseAddress!.advanced(by: state.headOffset), byteCount: n)
                }
                written += n
                state.headOffset += n
                if state.headOffset == chunk.count {
                    state.head += 1
                    state.headOffset = 0
                }
            }
            if state.head == state.chunks.count {
                state.chunks.removeAll(keepingCapacity: true)
                state.head = 0
            }
            state.bufferedBytes -= written
            if state.bufferedBytes <= limit && !state.writers.isEmpty {
                resumed = state.writers
                state.writers.removeAll()
            }
            if state.bufferedBytes == 0 && state.closed { return .end(count: written, trailers: state.trailers) }
            if written > 0 { return .bytes(written) }
            state.needsKick = true
            return .deferred
        }
        for writer in resumed { writer.resume() }
        return result
    }
}
