internal import Foundation
internal import Postgres
internal import Synchronization

/// A real PostgreSQL for tests: `POSTGRES_URL` when set, otherwise a private cluster started
/// once per test process (initdb and pg_ctl from Debian's postgresql-15) in a temporary folder,
/// reachable only through a Unix socket in that folder (so no port can clash), and stopped when
/// the process exits. Each test gets a database of its own.
public enum TestDatabase {
    private enum State {
        case idle
        case starting([CheckedContinuation<String, any Error>])
        case ready(String)
        case failed(String)
    }

    private static let state = Mutex(State.idle)
    /// The cluster's folder, for the exit hook.
    nonisolated(unsafe) private static var clusterDirectory: String?

    /// A connection string for a new, empty database.
    public static func makeDatabase() async throws -> String {
        let server = try await serverConninfo()
        let name = "test_\(UInt64.random(in: 0...UInt64.max))"
        let admin = try await PostgresClient(conninfo: server + " dbname=postgres", label: "test-admin")
        try await admin.withConnection { try $0.execute("CREATE DATABASE \(name)") }
        return server + " dbname=\(name)"
    }

    /// The server part of the connection string (host, port, user).
    public static func serverConninfo() async throws -> String {
        if let url = ProcessInfo.processInfo.environment["POSTGRES_URL"] { return url }
        return try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool in
                switch state {
                case .idle:
                    state = .starting([continuation])
                    return true
                case .starting(let waiters):
                    state = .starting(waiters + [continuation])
                case .ready(let conninfo):
                    continuation.resume(returning: conninfo)
                case .failed(let message):
                    continuation.resume(throwing: TestDatabaseError(message))
                }
                return false
            }
            guard start else { return }
            // initdb takes seconds: run it on a thread of its own, not the cooperative pool.
            Thread.detachNewThread {
                let result = Result { try startCluster() }
                let waiters = state.withLock { state -> [CheckedContinuation<String, any Error>] in
                    guard case .starting(let waiters) = state else { return [] }
                    switch result {
                    case .success(let conninfo): state = .ready(conninfo)
                    case .failure(let error): state = .failed("\(error)")
                    }
                    return waiters
                }
                for waiter in waiters { waiter.resume(with: result) }
            }
        }
    }

    private static func startCluster() throws -> String {
        let cluster = try TestCluster()
        clusterDirectory = cluster.directory
        atexit {
            guard let directory = TestDatabase.clusterDirectory else { return }
            TestCluster.stopAndRemove(directory)
        }
        return cluster.conninfo
    }

    /// Runs a command with posix_spawn and waits for it with waitpid. Its output goes to a
    /// file, not a pipe: the server pg_ctl starts would inherit a pipe and hold it open.
    static func run(_ path: String, _ arguments: [String]) throws {
        let (status, output) = try TestSupport.runCommand(path, arguments)
        guard status == 0 else {
            throw TestDatabaseError("\(path) \(arguments.joined(separator: " ")) failed (exit \(status)): \(output)")
        }
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A private PostgreSQL cluster (initdb and pg_ctl from Debian's postgresql-15) in a temporary
/// folder, reachable only through a Unix socket there. Tests that stop and restart the server
/// (to check what a service does when PostgreSQL goes away) use one of their own.
public final class TestCluster: Sendable {
    static let bin = "/usr/lib/postgresql/15/bin"

    /// The folder holding the data directory, the socket and the server log.
    public let directory: String
    /// The connection string of the `postgres` database.
    public var conninfo: String { "host=\(directory) port=5432 user=postgres" }

    /// Whether commits wait for the WAL to be written (off in the shared cluster, for speed; on
    /// where a test crashes the server and checks that acknowledged writes survived).
    public let durable: Bool

    /// Creates and starts the cluster.
    public init(durable: Bool = false) throws {
        self.durable = durable
        guard FileManager.default.isExecutableFile(atPath: "\(Self.bin)/initdb") else {
            throw TestDatabaseError("\(Self.bin)/initdb is missing: install postgresql-15 (make setup does).")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("voiceshop-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try TestDatabase.run("/bin/chown", ["postgres:postgres", directory]) }
        try Self.command("initdb", ["-D", "\(directory)/data", "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        try start()
    }

    /// Starts the server (again).
    public func start() throws {
        try Self.command(
            "pg_ctl",
            [
                "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-w", "-o",
                "-p 5432 -k \(directory) -c listen_addresses='' -c fsync=off -c full_page_writes=off"
                    + " -c synchronous_commit=\(durable ? "on" : "off")",
                "start",
            ])
    }

    /// Stops the server at once, as a crash would (`-m immediate`).
    public func stop() throws {
        try Self.command("pg_ctl", ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
    }

    /// Stops the server and deletes the cluster.
    public func destroy() { Self.stopAndRemove(directory) }

    static func stopAndRemove(_ directory: String) {
        let stop = getuid() == 0
            ? "/usr/sbin/runuser -u postgres -- \(bin)/pg_ctl -D \(directory)/data -m immediate stop >/dev/null 2>&1"
            : "\(bin)/pg_ctl -D \(directory)/data -m immediate stop >/dev/null 2>&1"
        _ = system(stop + "; rm -rf \(directory)")
    }

    /// Runs a PostgreSQL tool, as the postgres user when we are root (initdb refuses root).
    static func command(_ tool: String, _ arguments: [String]) throws {
        if getuid() == 0 {
            try TestDatabase.run("/usr/sbin/runuser", ["-u", "postgres", "--", "\(bin)/\(tool)"] + arguments)
        } else {
            try TestDatabase.run("\(bin)/\(tool)", arguments)
        }
    }
}
