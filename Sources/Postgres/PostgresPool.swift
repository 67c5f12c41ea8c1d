internal import Dispatch
internal import Glibc
internal import Synchronization

/// A fixed-size pool of PostgreSQL connections that survives server restarts.
///
/// Each connection lives on a serial queue of its own (libpq blocks), so Swift's cooperative
/// threads never wait on the network. Connections open lazily; one that broke (the server
/// restarted, the network dropped) is closed, and the next call that gets its slot connects
/// again. A call that meets a broken connection fails with `PostgresError.Code.connection`
/// and is not retried here: only the caller knows whether its statement is safe to repeat.
///
/// When every connection is busy, callers wait in FIFO order.
public final class PostgresPool: Sendable {
    /// Counters for health checks and metrics.
    public struct Statistics: Hashable, Sendable {
        /// The pool size.
        public var size: Int
        /// Connections checked out now.
        public var inUse: Int
        /// Callers waiting for a connection now.
        public var waiting: Int
        /// Connections opened since start (reconnects included).
        public var connectsTotal: Int
        /// Calls that failed with a connection error since start.
        public var connectionErrorsTotal: Int
    }

    private struct Slot: @unchecked Sendable {
        // @unchecked Sendable: `box.connection` is touched only on `queue`, which is serial,
        // and the slot is owned by one caller at a time (the free list hands it out).
        let queue: DispatchQueue
        let box: ConnectionBox
    }

    private final class ConnectionBox {
        var connection: PostgresConnection?
    }

    private struct State {
        var free: [Int]
        var waiters: [CheckedContinuation<Int, Never>] = []
        var connectsTotal = 0
        var connectionErrorsTotal = 0
    }

    private let conninfo: String
    private let slots: [Slot]
    private let state: Mutex<State>

    /// Creates the pool; no connection is opened until the first call.
    /// - Parameters:
    ///   - conninfo: a libpq connection string or URI.
    ///   - size: the most connections open at once (at least 1).
    ///   - label: names the queues, for debugging.
    public init(conninfo: String, size: Int, label: String = "postgres") {
        // A server that does not answer must not hold a caller for libpq's default (forever).
        setenv("PGCONNECT_TIMEOUT", "3", 0)
        self.conninfo = conninfo
        let count = max(1, size)
        slots = (0..<count).map { Slot(queue: DispatchQueue(label: "voiceshop.\(label).\($0)"), box: ConnectionBox()) }
        state = Mutex(State(free: Array((0..<count).reversed())))
    }

    /// The pool's counters now.
    public var statistics: Statistics {
        state.withLock {
            Statistics(
                size: slots.count, inUse: slots.count - $0.free.count, waiting: $0.waiters.count,
                connectsTotal: $0.connectsTotal, connectionErrorsTotal: $0.connectionErrorsTotal)
        }
    }

    /// Runs `body` with a connection, on that connection's queue.
    /// - Throws: `PostgresError` (`.connection` when no connection could be opened or it broke),
    ///   or what `body` throws.
    public func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        let index = await checkOut()
        defer { checkIn(index) }
        let slot = slots[index]
        let conninfo = self.conninfo
        return try await withCheckedThrowingContinuation { continuation in
            slot.queue.async { [self] in
                continuation.resume(
                    with: Swift.Result {
                        let connection: PostgresConnection
                        if let open = slot.box.connection, open.isHealthy {
                            connection = open
                        } else {
                            slot.box.connection = nil
                            do {
                                connection = try PostgresConnection(conninfo: conninfo)
                            } catch {
                                state.withLock { $0.connectionErrorsTotal += 1 }
                                throw error
                            }
                            slot.box.connection = connection
                            state.withLock { $0.connectsTotal += 1 }
                        }
                        do {
                            return try body(connection)
                        } catch let error as PostgresError where error.code == .connection || !connection.isHealthy {
                            slot.box.connection = nil
                            state.withLock { $0.connectionErrorsTotal += 1 }
                            throw PostgresError(code: .connection, sqlState: error.sqlState, message: error.message)
                        }
                    })
            }
        }
    }

    /// Runs one statement with bound parameters.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> PostgresRows {
        try await withConnection { try $0.query(sql, parameters) }
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws. A
    /// result is returned only after COMMIT succeeded, so what the caller acknowledges is
    /// durable.
    /// - Throws: what `body` throws, or `PostgresError`.
    public func withTransaction<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try connection.execute("BEGIN")
            do {
                let result = try body(connection)
                try connection.execute("COMMIT")
                return result
            } catch {
                if connection.isHealthy { try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    private func checkOut() async -> Int {
        await withCheckedContinuation { continuation in
            let index = state.withLock { state -> Int? in
                if let index = state.free.popLast() { return index }
                state.waiters.append(continuation)
                return nil
            }
            if let index { continuation.resume(returning: index) }
        }
    }

    private func checkIn(_ index: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, Never>? in
            if state.waiters.isEmpty {
                state.free.append(index)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: index)
    }
}
