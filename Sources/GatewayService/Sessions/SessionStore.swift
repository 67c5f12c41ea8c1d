public import Protos
internal import Synchronization

/// What a conversation remembers between utterances, so "add two of those" or "the second
/// one" can be resolved.
public struct SessionState: Sendable {
    /// The product ids last shown, in display order.
    public var productIDs: [String] = []
    /// The intent of the last utterance.
    public var intent: NLUV1.Intent = .unspecified
    /// The filters of the last search.
    public var filters: NLUV1.Filters?
    /// The order last talked about.
    public var orderID = ""
    /// The product last asked about or acted on ("it"); "" after a new search.
    public var focusProductID = ""
    /// The product "it" means: the focus, else the first one shown.
    var focusedProductID: String? { focusProductID.isEmpty ? productIDs.first : focusProductID }
    /// The request id of the last search (for events and add-to-cart attribution).
    public var requestID = ""

    /// An empty session.
    public init() {}
}

/// Sessions in memory, by id, with a time to live and a bound on their number (the least
/// recently used goes first). Nothing is written to disk.
public final class SessionStore: Sendable {
    private struct Entry {
        var state: SessionState
        var touched: ContinuousClock.Instant
    }

    private let ttl: Duration
    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    /// Creates a store.
    public init(ttl: Duration, capacity: Int) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The session's state; empty for an unknown or expired session.
    public func state(_ id: String, now: ContinuousClock.Instant = .now) -> SessionState {
        entries.withLock { entries in
            guard let entry = entries[id] else { return SessionState() }
            if now - entry.touched > ttl {
                entries[id] = nil
                return SessionState()
            }
            return entry.state
        }
    }

    /// Changes the session's state.
    public func update(_ id: String, now: ContinuousClock.Instant = .now, _ change: (inout SessionState) -> Void) {
        entries.withLock { entries in
            var entry = entries[id].flatMap { now - $0.touched > ttl ? nil : $0 } ?? Entry(state: SessionState(), touched: now)
            change(&entry.state)
            entry.touched = now
            entries[id] = entry
            if entries.count > capacity { evict(&entries, now: now) }
        }
    }

    /// The number of sessions held.
    public var count: Int { entries.withLock { $0.count } }

    private func evict(_ entries: inout [String: Entry], now: ContinuousClock.Instant) {
        entries = entries.filter { now - $0.value.touched <= ttl }
        guard entries.count > capacity else { return }
        // Drop the least recently used tenth, so eviction is not paid on every insert.
        let drop = max(1, entries.count - capacity + capacity / 10)
        for (key, _) in entries.sorted(by: { $0.value.touched < $1.value.touched }).prefix(drop) { entries[key] = nil }
    }
}
