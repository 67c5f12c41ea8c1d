internal import Dispatch

/// An async front for one `PostgresConnection`: every call runs on the client's own serial
/// queue (libpq blocks), so Swift's cooperative threads never wait on the network.
///
/// The pool, reconnection with backoff and health reporting come with rec-svc.
public final class PostgresClient: Sendable {
    private let queue: DispatchQueue
    private let connection: SendableConnection

    /// The connection, usable only on `queue`.
    private struct SendableConnection: @unchecked Sendable {
        // @unchecked Sendable: the connection is touched only inside `queue.async` blocks,
        // and the queue is serial.
        let value: PostgresConnection
    }

    /// Connects.
    /// - Throws: `PostgresError` with code `.connection`.
    public init(conninfo: String, label: String = "postgres") async throws {
        let queue = DispatchQueue(label: "voiceshop.\(label)")
        self.queue = queue
        connection = try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { SendableConnection(value: try PostgresConnection(conninfo: conninfo)) }) }
        }
    }

    /// Runs `body` with the connection on the client's queue.
    /// - Throws: what `body` throws.
    public func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        let connection = self.connection
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Swift.Result { try body(connection.value) }) }
        }
    }

    /// Runs one statement with bound parameters.
    /// - Throws: `PostgresError`.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> PostgresRows {
        try await withConnection { try $0.query(sql, parameters) }
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
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
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}
