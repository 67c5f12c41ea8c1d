import Glibc
import RecService
import ServiceKit
import ServiceRuntime

/// rec-svc: catalog, search and ranking on PostgreSQL. Its Rec and CatalogAdmin methods arrive
/// with the rec-svc issue; today it serves health, and applies the schema migrations at start
/// when `--database-url` (or `REC_SVC_DATABASE_URL`) is set. `rec-svc migrate` only migrates.
@main
enum Entrypoint {
    static let flags = ["database-url", "migrations"]

    static func main() async {
        if CommandLine.arguments.dropFirst().first == "migrate" {
            await migrateAndExit()
        }
        await ServiceMain.run(name: "rec-svc", defaultPort: 50063, extraFlags: flags) { options, logger in
            if let url = options.value("database-url") {
                try await RecDatabase.migrate(
                    conninfo: url, directory: options.value("migrations") ?? RecDatabase.defaultMigrationsDirectory, logger: logger)
            }
            return []
        }
    }

    /// `rec-svc migrate [--database-url URL] [--migrations DIR]`: exit 0 when up to date.
    static func migrateAndExit() async -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst(2))
        do {
            let options = try ServiceOptions(
                name: "rec-svc", defaultPort: 50063, arguments: arguments, environment: ServiceOptions.processEnvironment(),
                extraFlags: flags)
            let logger = Logger(service: "rec-svc", minimumLevel: options.logLevel)
            guard let url = options.value("database-url") else {
                logger.error("rec-svc migrate needs --database-url or REC_SVC_DATABASE_URL")
                exit(2)
            }
            try await RecDatabase.migrate(
                conninfo: url, directory: options.value("migrations") ?? RecDatabase.defaultMigrationsDirectory, logger: logger)
            exit(0)
        } catch {
            Logger(service: "rec-svc").error("migrate failed", ["error": "\(error)"])
            exit(1)
        }
    }
}
