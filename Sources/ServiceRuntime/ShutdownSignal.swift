internal import Synchronization

/// A one-shot event: `trigger()` wakes every `wait()`, now and later.
public final class ShutdownSignal: Sendable {
    private let state = Mutex<(triggered: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// A signal that has not fired.
    public init() {}

    /// Fires the signal (once; later calls do nothing).
    public func trigger() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.triggered else { return [] }
            state.triggered = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether it has fired.
    public var isTriggered: Bool { state.withLock { $0.triggered } }

    /// Waits until it fires.
    public func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state -> Bool in
                if state.triggered { return true }
                state.waiters.append(continuation)
                return false
            }
            if fired { continuation.resume() }
        }
    }
}
