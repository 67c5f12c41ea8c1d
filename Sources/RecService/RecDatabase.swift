internal import Postgres
public import ServiceRuntime

/// rec-svc's PostgreSQL set-up: the schema migrations in `services/rec-svc/migrations`.
public enum RecDatabase {
    /// Where the migrations are when running from the repository (images bake them in and set
    /// `REC_SVC_MIGRATIONS`).
    public static let defaultMigrationsDirectory = "services/rec-svc/migrations"

    /// Applies the migrations that are missing.
    /// - Returns: the versions applied now.
    /// - Throws: `PostgresError` (connection, or the migration that failed).
    @discardableResult
    public static func migrate(conninfo: String, directory: String, logger: Logger) async throws -> [String] {
        let migrator = try PostgresMigrator(directory: directory)
        let client = try await PostgresClient(conninfo: conninfo, label: "rec-migrate")
        let applied = try await client.withConnection { try migrator.migrate($0) }
        logger.info(
            "migrations up to date",
            ["applied": applied.joined(separator: ","), "known": migrator.migrations.count, "directory": directory])
        return applied
    }
}
