internal import Glibc

/// Applies numbered SQL files (`0001_name.sql`, …) from a folder, once each, in order.
///
/// Each file runs in its own transaction together with its row in `schema_migrations`
/// (version, applied time, md5 of the file as computed by the server). A transaction-level
/// advisory lock makes concurrent migrators (several replicas starting at once) take turns, and
/// running it again applies nothing. A file whose content changed after it was applied is an
/// error: fix forward with a new file.
public struct PostgresMigrator: Sendable {
    /// One migration file.
    public struct Migration: Sendable, Hashable {
        /// The file name without `.sql`, e.g. `0001_catalog`.
        public let version: String
        /// The SQL.
        public let sql: String

        /// Creates a migration.
        public init(version: String, sql: String) {
            self.version = version
            self.sql = sql
        }
    }

    /// The migrations, sorted by version.
    public let migrations: [Migration]

    /// Reads every `*.sql` file of `directory`.
    /// - Throws: `PostgresError` (`.migration`) when the folder cannot be read.
    public init(directory: String) throws {
        guard let dir = opendir(directory) else {
            throw PostgresError(code: .migration, message: "Cannot read the migrations folder \(directory): \(String(cString: strerror(errno))).")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".sql") { names.append(name) }
        }
        migrations = try names.sorted().map { name in
            Migration(version: String(name.dropLast(4)), sql: try Self.read("\(directory)/\(name)"))
        }
    }

    /// Uses the migrations given.
    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what is missing.
    /// - Returns: the versions applied now.
    /// - Throws: `PostgresError` naming the file that failed or changed.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [String] {
        try connection.execute(
            """
            BEGIN;
            SELECT pg_advisory_xact_lock(7242011);
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now(),
                checksum text NOT NULL
            );
            COMMIT;
            """)
        var applied: [String] = []
        for migration in migrations {
            try connection.execute("BEGIN")
            do {
                // One migrator at a time, across processes; released at COMMIT/ROLLBACK.
                try connection.query("SELECT pg_advisory_xact_lock(7242011)")
                let existing = try connection.query(
                    "SELECT checksum, md5($2) AS expected FROM schema_migrations WHERE version = $1",
                    [.text(migration.version), .text(migration.sql)])
                if let row = existing.first {
                    guard row["checksum"] == row["expected"] else {
                        throw PostgresError(
                            code: .migration,
                            message: "Migration \(migration.version) was applied with different content; add a new migration instead of editing it.")
                    }
                    try connection.execute("COMMIT")
                    continue
                }
                do {
                    try connection.execute(migration.sql)
                } catch let error as PostgresError {
                    throw PostgresError(code: .migration, sqlState: error.sqlState, message: "\(migration.version): \(error.message)")
                }
                try connection.query(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, md5($2))",
                    [.text(migration.version), .text(migration.sql)])
                try connection.execute("COMMIT")
                applied.append(migration.version)
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
        return applied
    }

    private static func read(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else {
            throw PostgresError(code: .migration, message: "Cannot read \(path): \(String(cString: strerror(errno))).")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
