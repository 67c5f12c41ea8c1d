internal import Synchronization

/// A request body as it arrives, chunk by chunk, with back-pressure: when more than
/// `highWater` bytes wait unread, the producer (the HTTP loop) is told to stop reading the
/// socket, and told to resume once the consumer has drained them.
///
/// One consumer reads it (`next()`); the producer is the HTTP loop thread.
public final class HTTPBodyStream: Sendable, AsyncSequence {
    public typealias Element = [UInt8]

    private struct State {
        var chunks: [[UInt8]] = []
        var queuedBytes = 0
        var finished = false
        var failure: GatewayError?
        var paused = false
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
    }

    private let state = Mutex(State())
    private let highWater: Int
    /// Asks the producer to resume reading; called off the loop thread.
    private let resume: @Sendable () -> Void

    /// Creates a stream.
    /// - Parameters:
    ///   - highWater: unread bytes past which `append` returns `false` (pause reading).
    ///   - resume: called when a paused producer may read again.
    public init(highWater: Int = 1 << 20, resume: @escaping @Sendable () -> Void = {}) {
        self.highWater = highWater
        self.resume = resume
    }

    /// Adds a chunk (producer side).
    /// - Returns: `false` when the producer should pause until `resume` is called.
    @discardableResult
    public func append(_ chunk: [UInt8]) -> Bool {
        let (waiter, keepReading) = state.withLock { state -> (CheckedContinuation<[UInt8]?, any Error>?, Bool) in
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, true)
            }
            state.chunks.append(chunk)
            state.queuedBytes += chunk.count
            if state.queuedBytes > highWater { state.paused = true }
            return (nil, !state.paused)
        }
        waiter?.resume(returning: chunk)
        return keepReading
    }

    /// Ends the stream (producer side): normally, or with an error the consumer sees.
    public func finish(throwing error: GatewayError? = nil) {
        let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
            guard !state.finished else { return nil }
            state.finished = true
            state.failure = error
            defer { state.waiter = nil }
            return state.waiter
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }

    /// The next chunk; `nil` at the end.
    /// - Throws: the error the producer finished with (the client went away, the body was too large).
    public func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
            enum Outcome { case chunk([UInt8], resume: Bool), end, failed(GatewayError), wait }
            let outcome = state.withLock { state -> Outcome in
                if !state.chunks.isEmpty {
                    let chunk = state.chunks.removeFirst()
                    state.queuedBytes -= chunk.count
                    var resume = false
                    if state.paused && state.queuedBytes <= highWater / 2 {
                        state.paused = false
                        resume = true
                    }
                    return .chunk(chunk, resume: resume)
                }
                if state.finished { return state.failure.map { .failed($0) } ?? .end }
                state.waiter = continuation
                return .wait
            }
            switch outcome {
            case .chunk(let chunk, let shouldResume):
                if shouldResume { resume() }
                continuation.resume(returning: chunk)
            case .end: continuation.resume(returning: nil)
            case .failed(let error): continuation.resume(throwing: error)
            case .wait: break
            }
        }
    }

    /// Iterates the chunks.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: HTTPBodyStream

        public mutating func next() async throws -> [UInt8]? { try await stream.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}
