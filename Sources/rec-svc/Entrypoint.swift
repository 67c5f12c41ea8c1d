import Embeddings
import Glibc
import Postgres
import Protos
import RecService
import ServiceKit
import ServiceRuntime

/// rec-svc: catalog, search, recommendations and shopping actions on PostgreSQL.
///
/// `rec-svc [--database-url URL]` migrates the schema, loads the catalog into its in-memory
/// index and serves `voiceshop.rec.v1.Rec` and `voiceshop.rec.v1.CatalogAdmin`. Health is
/// NOT_SERVING until the catalog is loaded and whenever PostgreSQL is unreachable.
/// `rec-svc migrate` only migrates; `rec-svc load-demo` loads the demo catalog; `rec-svc train`
/// fits matrix factorisation on the event history and activates it.
@main
enum Entrypoint {
    static let flags = [
        "database-url", "migrations", "pool-size", "demo-dir", "factors", "iterations", "regularization", "alpha", "embeddings",
        "models-dir", "embed-threads",
    ] + RankingWeights.settings.map(\.flag)

    static func main() async {
        switch CommandLine.arguments.dropFirst().first {
        case "migrate": await command { options, logger, url in
                try await RecDatabase.migrate(conninfo: url, directory: migrations(options), logger: logger)
            }
        case "load-demo": await command { options, logger, url in
                try await RecDatabase.migrate(conninfo: url, directory: migrations(options), logger: logger)
                let counts = try await DemoLoader.load(
                    directory: options.value("demo-dir") ?? DemoLoader.defaultDirectory, conninfo: url, logger: logger)
                logger.info("demo catalog loaded", counts)
            }
        case "train": await command { options, logger, url in
                try await RecDatabase.migrate(conninfo: url, directory: migrations(options), logger: logger)
                var settings = ALSTrainer.Settings()
                func number<T: LosslessStringConvertible>(_ flag: String, _ current: T) throws -> T {
                    guard let text = options.value(flag) else { return current }
                    guard let value = T(text) else { throw ServiceOptions.ConfigurationError("--\(flag) must be a number, not '\(text)'") }
                    return value
                }
                settings.factors = try number("factors", settings.factors)
                settings.iterations = try number("iterations", settings.iterations)
                settings.regularization = try number("regularization", settings.regularization)
                settings.alpha = try number("alpha", settings.alpha)
                _ = try await FactorTraining.train(conninfo: url, settings: settings, logger: logger)
            }
        case "embed": await command { options, logger, url in
                try await RecDatabase.migrate(conninfo: url, directory: migrations(options), logger: logger)
                guard let embeddings = try loadEmbeddings(options, logger: logger, required: true) else { return }
                let worker = EmbeddingWorker(
                    conninfo: url, embeddings: embeddings, logger: logger, threads: Int(options.value("embed-threads") ?? "") ?? 2)
                let start = ContinuousClock.now
                let pool = PostgresPool(conninfo: url, size: 1, label: "embed")
                let count = try await pool.withConnection { try worker.embedPending($0) }
                let seconds = Double((ContinuousClock.now - start) / .milliseconds(1)) / 1000
                logger.info("products embedded", ["count": count, "seconds": seconds, "per_second": seconds > 0 ? Double(count) / seconds : 0])
            }
        default: break
        }
        await ServiceMain.run(name: "rec-svc", defaultPort: 50063, defaultMetricsPort: 9163, extraFlags: flags) { setup in
            let options = setup.options
            let weights: RankingWeights
            do throws(RankingWeights.ConfigurationError) {
                weights = try RankingWeights.configured { options.value($0) }
            } catch {
                throw ServiceOptions.ConfigurationError(error.description)
            }
            guard let url = options.value("database-url") else {
                throw ServiceOptions.ConfigurationError("rec-svc needs --database-url or REC_SVC_DATABASE_URL (a libpq connection string or URI)")
            }
            let poolSize = Int(options.value("pool-size") ?? "") ?? 8
            guard (1...256).contains(poolSize) else { throw ServiceOptions.ConfigurationError("--pool-size must be from 1 to 256") }
            try await RecDatabase.migrate(conninfo: url, directory: migrations(options), logger: setup.logger)
            let pool = PostgresPool(conninfo: url, size: poolSize, label: "rec")
            let embeddings = try loadEmbeddings(options, logger: setup.logger, required: false)
            setup.logger.info("ranking", weights.described.mapValues { $0 as any Sendable })
            let runtime = RecRuntime(pool: pool, index: CatalogIndex(weights: weights), embeddings: embeddings, logger: setup.logger)
            let health = setup.health
            let sync = CatalogSync(conninfo: url, runtime: runtime, logger: setup.logger) { ready in
                health.setAll(ready ? .serving : .notServing)
            }
            RecMetrics.register(in: setup.metrics, runtime: runtime, sync: sync)
            var background: [any Service] = [sync, FunnelMetrics(runtime: runtime, registry: setup.metrics)]
            if let embeddings {
                background.append(
                    EmbeddingWorker(
                        conninfo: url, embeddings: embeddings, logger: setup.logger,
                        threads: Int(options.value("embed-threads") ?? "") ?? 1))
            }
            return ServiceParts(
                rpcServices: [RecRPCService(runtime: runtime), CatalogAdminRPCService(runtime: runtime)],
                backgroundServices: background, ready: false)
        }
    }

    /// The text encoder, per `--embeddings auto|on|off` (auto: on when the model files exist).
    static func loadEmbeddings(_ options: ServiceOptions, logger: Logger, required: Bool) throws -> TextEmbeddings? {
        let mode = options.value("embeddings") ?? (required ? "on" : "auto")
        guard ["auto", "on", "off"].contains(mode) else {
            throw ServiceOptions.ConfigurationError("--embeddings must be auto, on or off, not '\(mode)'")
        }
        if mode == "off" { return nil }
        let directory = options.value("models-dir").map { $0 + "/" + SentenceEncoder.modelName } ?? SentenceEncoder.defaultModelDirectory()
        do throws(EmbeddingsError) {
            let encoder = try SentenceEncoder(modelDirectory: directory)
            logger.info("text embeddings on", ["model": SentenceEncoder.modelName, "directory": directory])
            return TextEmbeddings(encoder: encoder)
        } catch {
            if mode == "on" { throw ServiceOptions.ConfigurationError("--embeddings on: \(error)") }
            logger.warning("text embeddings off: the model is missing (run scripts/fetch-models)", ["error": "\(error)"])
            return nil
        }
    }

    static func migrations(_ options: ServiceOptions) -> String {
        options.value("migrations") ?? RecDatabase.defaultMigrationsDirectory
    }

    /// Runs a one-shot subcommand (`rec-svc migrate`, `rec-svc load-demo`): exit 0 when it
    /// succeeded, 1 when it failed, 2 on bad configuration.
    static func command(_ body: @Sendable (ServiceOptions, Logger, String) async throws -> Void) async -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst(2))
        let options: ServiceOptions
        do {
            options = try ServiceOptions(
                name: "rec-svc", defaultPort: 50063, arguments: arguments, environment: ServiceOptions.processEnvironment(),
                extraFlags: flags)
        } catch {
            Logger(service: "rec-svc").error("bad configuration", ["error": "\(error)"])
            exit(2)
        }
        let logger = Logger(service: "rec-svc", minimumLevel: options.logLevel)
        guard let url = options.value("database-url") else {
            logger.error("rec-svc \(CommandLine.arguments[1]) needs --database-url or REC_SVC_DATABASE_URL")
            exit(2)
        }
        do {
            try await body(options, logger, url)
            exit(0)
        } catch {
            logger.error("\(CommandLine.arguments[1]) failed", ["error": "\(error)"])
            exit(1)
        }
    }
}
