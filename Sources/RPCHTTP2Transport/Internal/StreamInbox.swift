internal import RPCCore
internal import Synchronization

/// Messages received on one stream, waiting for the task that reads them.
///
/// The event loop pushes; one reader pops. When more than `limit` bytes wait, the loop
/// withholds HTTP/2 window (the peer then stops sending) and `onCredit` hands it back once
/// the reader has caught up.
final class StreamInbox: RPCMessageSource, Sendable {
    private struct State {
        var messages: [[UInt8]] = []
        var head = 0
        var queuedBytes = 0
        var owedWindow = 0
        var end: RPCError?? = nil  // .some(nil): ended cleanly; .some(error): failed
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
    }

    private let state = Mutex(State())
    private let limit: Int
    private let onCredit: @Sendable (Int) -> Void

    /// - Parameters:
    ///   - limit: bytes that may wait before the window is withheld.
    ///   - onCredit: called off the loop with window bytes to give back.
    init(limit: Int, onCredit: @escaping @Sendable (Int) -> Void) {
        self.limit = limit
        self.onCredit = onCredit
    }

    /// Delivers a message (loop thread).
    func push(_ message: [UInt8]) {
        let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
            guard state.end == nil else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.messages.append(message)
            state.queuedBytes += message.count
            return nil
        }
        waiter?.resume(returning: message)
    }

    /// Called for each received DATA chunk of `count` bytes (loop thread): when the queue is
    /// over its limit the bytes are owed, to be given back through `onCredit` later.
    /// - Returns: whether the window was withheld (the loop must not consume it now).
    func withholdIfFull(_ count: Int) -> Bool {
        state.withLock { state in
            guard state.end == nil, state.queuedBytes > limit else { return false }
            state.owedWindow += count
            return true
        }
    }

    /// Ends the stream: cleanly with `nil`, or with an error for the reader.
    func finish(_ error: RPCError?) {
        let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
            guard state.end == nil else { return nil }
            state.end = .some(error)
            defer { state.waiter = nil }
            return state.head < state.messages.count ? nil : state.waiter
        }
        if let waiter {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    func nextMessage() async throws -> [UInt8]? {
        if let ready = try takeReady() { return ready.message }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                var credit = 0
                let immediate = state.withLock { state -> Result<[UInt8]?, any Error>? in
                    if state.head < state.messages.count {
                        let popped = pop(&state)
                        credit = popped.credit
                        return .success(popped.message)
                    }
                    if let end = state.end { return end.map { .failure($0) } ?? .success(nil) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiter = continuation
                    return nil
                }
                if credit > 0 { onCredit(credit) }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func takeReady() throws -> (message: [UInt8]?, Void)? {
        let (result, credit) = state.withLock { state -> (Result<[UInt8]?, RPCError>?, Int) in
            if state.head < state.messages.count {
                let (message, credit) = pop(&state)
                return (.success(message), credit)
            }
            if let end = state.end { return (end.map { .failure($0) } ?? .success(nil), 0) }
            return (nil, 0)
        }
        if credit > 0 { onCredit(credit) }
        switch result {
        case .none: return nil
        case .success(let message): return (message, ())
        case .failure(let error): throw error
        }
    }

    private func pop(_ state: inout State) -> (message: [UInt8], credit: Int) {
        let message = state.messages[state.head]
        state.head += 1
        state.queuedBytes -= message.count
        if state.head == state.messages.count {
            state.messages.removeAll(keepingCapacity: true)
            state.head = 0
        }
        var credit = 0
        if state.owedWindow > 0 && state.queuedBytes <= limit / 2 {
            credit = state.owedWindow
            state.owedWindow = 0
        }
        return (message, credit)
    }
}
