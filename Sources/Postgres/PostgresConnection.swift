internal import CLibPQ
internal import Glibc

/// One libpq connection. Its calls block: use it through `PostgresClient`, which runs them on
/// a thread of its own, never on Swift's cooperative pool.
///
/// Every query goes through `PQexecParams` with bound parameters; SQL text never contains
/// values.
public final class PostgresConnection {
    private let connection: OpaquePointer

    /// Connects.
    /// - Parameter conninfo: a libpq connection string or URI (`postgresql://…`).
    /// - Throws: `PostgresError` with code `.connection` and libpq's reason.
    public init(conninfo: String) throws {
        guard let connection = PQconnectdb(conninfo) else {
            throw PostgresError(code: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(code: .connection, message: message)
        }
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        self.connection = connection
    }

    deinit { PQfinish(connection) }

    /// Whether the connection is usable (not broken by a server restart, for example).
    public var isHealthy: Bool { PQstatus(connection) == CONNECTION_OK }

    /// The server's version number, e.g. 150020.
    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// libpq's version number.
    public static var libraryVersion: Int { Int(PQlibVersion()) }

    /// Runs one statement with bound parameters (`$1`, `$2`, …).
    /// - Returns: the rows (empty for statements without results).
    /// - Throws: `PostgresError` (`.query` with the SQLSTATE, or `.connection`).
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) throws -> PostgresRows {
        var types = [Oid](repeating: 0, count: parameters.count)
        var formats = [Int32](repeating: 0, count: parameters.count)
        var lengths = [Int32](repeating: 0, count: parameters.count)
        var storage: [UnsafeMutablePointer<CChar>?] = []
        storage.reserveCapacity(parameters.count)
        defer { for pointer in storage { free(pointer) } }
        for (index, parameter) in parameters.enumerated() {
            switch parameter {
            case .null:
                storage.append(nil)
            case .bytes(let bytes):
                let pointer = malloc(max(1, bytes.count))!.assumingMemoryBound(to: CChar.self)
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { UnsafeMutableRawPointer(pointer).copyMemory(from: base, byteCount: raw.count) }
                }
                storage.append(pointer)
                types[index] = 17  // bytea
                formats[index] = 1
                lengths[index] = Int32(bytes.count)
            default:
                storage.append(strdup(parameter.textEncoding!))
            }
        }
        let values = storage.map { UnsafePointer($0) }
        let result = values.withUnsafeBufferPointer { valuePointers in
            PQexecParams(connection, sql, Int32(parameters.count), types, valuePointers.baseAddress, lengths, formats, 0)
        }
        return try consume(result)
    }

    /// Runs one or more statements without parameters (migration files, transaction control).
    /// - Throws: `PostgresError`.
    public func execute(_ sql: String) throws {
        try consume(PQexec(connection, sql))
    }

    /// Streams rows into `COPY … FROM STDIN` (text format: tab-separated, `\N` for NULL;
    /// values must be escaped with `copyEscape(_:)`).
    /// - Returns: the number of rows copied.
    /// - Throws: `PostgresError`; the COPY is rolled back on any error.
    @discardableResult
    public func copyIn(_ sql: String, lines: some Sequence<String>) throws -> Int {
        let start = PQexec(connection, sql)
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            return try consume(start).affectedRows
        }
        PQclear(start)
        var chunk = ""
        func send(_ text: String) throws {
            let rv = text.withCString { PQputCopyData(connection, $0, Int32(strlen($0))) }
            if rv != 1 { throw PostgresError(code: .connection, message: Self.trimmed(PQerrorMessage(connection))) }
        }
        for line in lines {
            chunk += line
            chunk += "\n"
            if chunk.utf8.count >= 64 << 10 {
                try send(chunk)
                chunk = ""
            }
        }
        if !chunk.isEmpty { try send(chunk) }
        guard PQputCopyEnd(connection, nil) == 1 else {
            throw PostgresError(code: .connection, message: Self.trimmed(PQerrorMessage(connection)))
        }
        var copied = 0
        var failure: PostgresError?
        while let result = PQgetResult(connection) {
            do {
                copied += try consume(result).affectedRows
            } catch let error as PostgresError {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return copied
    }

    /// Starts listening on a notification channel (`LISTEN`); the identifier is quoted by libpq.
    /// - Throws: `PostgresError`.
    public func listen(_ channel: String) throws {
        guard let quoted = PQescapeIdentifier(connection, channel, channel.utf8.count) else {
            throw PostgresError(code: .query, message: Self.trimmed(PQerrorMessage(connection)))
        }
        defer { PQfreemem(quoted) }
        try execute("LISTEN " + String(cString: quoted))
    }

    /// Waits up to `timeoutMilliseconds` for notifications of the channels this connection
    /// listens on, and returns those that arrived (possibly none).
    /// - Throws: `PostgresError` with code `.connection` when the connection broke.
    public func waitForNotifications(timeoutMilliseconds: Int32) throws -> [PostgresNotification] {
        var notifications = drainNotifications()
        if !notifications.isEmpty { return notifications }
        let socket = PQsocket(connection)
        guard socket >= 0 else { throw PostgresError(code: .connection, message: "the connection has no socket") }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready < 0 && errno != EINTR {
            throw PostgresError(code: .connection, message: "poll failed (errno \(errno))")
        }
        if ready > 0 {
            guard PQconsumeInput(connection) == 1 else {
                throw PostgresError(code: .connection, message: Self.trimmed(PQerrorMessage(connection)))
            }
            notifications = drainNotifications()
        }
        if PQstatus(connection) != CONNECTION_OK {
            throw PostgresError(code: .connection, message: Self.trimmed(PQerrorMessage(connection)))
        }
        return notifications
    }

    private func drainNotifications() -> [PostgresNotification] {
        var result: [PostgresNotification] = []
        while let notify = PQnotifies(connection) {
            result.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return result
    }

    /// Escapes a value for the COPY text format.
    public static func copyEscape(_ value: String?) -> String {
        guard let value else { return "\\N" }
        var out = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// Turns a result into rows or an error, and frees it.
    @discardableResult
    private func consume(_ result: OpaquePointer?) throws -> PostgresRows {
        guard let result else {
            throw PostgresError(code: .connection, message: Self.trimmed(PQerrorMessage(connection)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_IN:
            let columnCount = Int(PQnfields(result))
            let rowCount = Int(PQntuples(result))
            let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
            var values: [[String?]] = []
            values.reserveCapacity(rowCount)
            for row in 0..<rowCount {
                values.append(
                    (0..<columnCount).map { column in
                        PQgetisnull(result, Int32(row), Int32(column)) == 1
                            ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
                    })
            }
            let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
            return PostgresRows(columns: columns, values: values, affectedRows: affected)
        default:
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = Self.trimmed(PQresultErrorMessage(result))
            // A broken connection, or a server going away (class 08 connection exceptions,
            // 57P01-57P03 shutdown and cannot-connect-now) is a connection error: retry later.
            // An error without SQLSTATE was made by libpq itself, which happens when the server
            // vanished ("server closed the connection unexpectedly"): PQstatus may still say OK.
            let broken = PQstatus(connection) != CONNECTION_OK || sqlState == nil
                || sqlState.map { $0.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains($0) } == true
            throw PostgresError(code: broken ? .connection : .query, sqlState: sqlState, message: message)
        }
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        var text = String(cString: message)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}
