internal import RPCHTTP2Transport
public import ServiceRuntime

/// Builds the gateway from its configuration: the downstream channels, the gateway and its
/// HTTP server. `Sources/gateway` runs what this returns beside the gRPC health server.
public enum GatewayApp {
    /// Creates the HTTP server with the gateway behind it.
    /// - Parameters:
    ///   - value: a gateway flag's value (see `GatewayConfiguration.flags`).
    ///   - environment: the process environment.
    /// - Throws: `GatewayConfiguration.ConfigurationError` for bad configuration, `GatewayError`
    ///   when the HTTP port cannot be bound.
    ///   - registry: the process's metrics, served on `/metrics`.
    public static func makeServer(
        value: (String) -> String?, environment: [String: String], logger: Logger, registry: MetricsRegistry = MetricsRegistry()
    ) throws -> HTTPServer {
        let configuration = try GatewayConfiguration(value: value, environment: environment) { path in
            String(decoding: try StaticAssets.readFile(path), as: UTF8.self)
        }
        let assets = try StaticAssets.load(webDirectory: configuration.webDirectory, openAPIFile: configuration.openAPIFile)
        func channel(_ address: String, _ name: String) throws -> HTTP2Channel {
            do {
                return try HTTP2Channel(target: address)
            } catch {
                throw GatewayConfiguration.ConfigurationError("--\(name)-addr '\(address)': \(error)")
            }
        }
        let channels = [
            ("asr-svc", try channel(configuration.asrAddress, "asr")), ("nlu-svc", try channel(configuration.nluAddress, "nlu")),
            ("rec-svc", try channel(configuration.recAddress, "rec")),
        ]
        let downstreams = Downstreams(asr: channels[0].1, nlu: channels[1].1, rec: channels[2].1)
        registry.collect(
            "gateway_downstream_retries_total", help: "Downstream call attempts made again after UNAVAILABLE (a replica gone or draining).",
            type: .counter, labels: ["service"]
        ) { channels.map { (labels: [$0.0], value: Double($0.1.retriedCalls)) } }
        if configuration.apiKeys.isEmpty {
            logger.warning("no API keys configured: every /v1 request will get 401 (set --api-keys, --api-keys-file or VOICESHOP_API_KEY)")
        }
        if configuration.logHashKey == nil {
            logger.warning("no log hash key configured: user ids in the log are hashed under a random per-process key (set VOICESHOP_LOG_HASH_KEY to join them across restarts)")
        }
        if configuration.adminToken == nil {
            logger.warning("no admin token configured: the admin routes are disabled (set --admin-token-file or VOICESHOP_ADMIN_TOKEN)")
        }
        let statistics = StatisticsBox()
        let gateway = Gateway(
            configuration: configuration, downstreams: downstreams, assets: assets, logger: logger, registry: registry,
            serverStatistics: { statistics.server?.statistics })
        let server = try HTTPServer(configuration: configuration.http, handler: gateway, logger: logger)
        statistics.server = server
        return server
    }
}

/// Lets the gateway read the counters of the server created after it.
/// `@unchecked Sendable`: written once, before the server runs, then only read.
private final class StatisticsBox: @unchecked Sendable {
    var server: HTTPServer?
}
