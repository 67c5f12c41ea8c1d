internal import Glibc
internal import Protos
public import RPCCore
internal import RPCHTTP2Transport
public import ServiceRuntime

/// Marks the health service NOT_SERVING when shutdown begins, before the server drains,
/// so load balancers and probes stop sending new calls.
struct HealthDrainHook: Service {
    let health: HealthService

    func run() async throws {
        let stopped = ShutdownSignal()
        await withTaskCancellationHandler {
            await stopped.wait()
        } onCancel: {
            health.markAllNotServing()
            stopped.trigger()
        }
    }
}

/// The start-up every service executable shares: parse options, build the gRPC server with
/// health, run until SIGTERM/SIGINT, drain, exit.
public enum ServiceMain {
    /// Runs a service process. Never returns: exits 0 after a graceful shutdown, 1 on a
    /// start-up or run-time error, 2 on a configuration error.
    /// - Parameters:
    ///   - name: the executable name (`asr-svc`).
    ///   - defaultPort: the port used when none is configured.
    ///   - extraFlags: service-specific flags.
    ///   - makeServices: builds the service's RPC services from its options.
    public static func run(
        name: String,
        defaultPort: Int,
        defaultMetricsPort: Int? = nil,
        extraFlags: [String] = [],
        makeServices: @Sendable @escaping (ServiceOptions, Logger) async throws -> [any RegistrableRPCService]
    ) async -> Never {
        await run(name: name, defaultPort: defaultPort, defaultMetricsPort: defaultMetricsPort, extraFlags: extraFlags) { setup in
            ServiceParts(rpcServices: try await makeServices(setup.options, setup.logger))
        }
    }

    /// Runs a service process whose readiness is decided by the service (a database that
    /// must be reachable, an index that must be loaded), with background work running beside
    /// the server. Never returns; exit codes as above.
    /// - Parameters:
    ///   - defaultMetricsPort: the admin HTTP port (`/metrics`, `/healthz`) when
    ///     `--metrics-listen` is not given; `nil` leaves it off unless configured.
    ///   - makeParts: builds the RPC services and background services. When its parts say
    ///     `ready: false`, health answers NOT_SERVING until the service sets SERVING through
    ///     `setup.health`. Services add their own metrics to `setup.metrics`.
    public static func run(
        name: String,
        defaultPort: Int,
        defaultMetricsPort: Int? = nil,
        extraFlags: [String] = [],
        makeParts: @Sendable (ServiceSetup) async throws -> ServiceParts
    ) async -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.contains("--help") || arguments.contains("-h") {
            print("usage: \(name) [--flag value]...")
            for (flag, help) in ServiceOptions.common { print("  --\(flag)  \(help)") }
            for flag in extraFlags { print("  --\(flag)") }
            print("Each flag can also be set as \(ServiceOptions.variableName(name))_<FLAG> in the environment.")
            exit(0)
        }
        let options: ServiceOptions
        do {
            options = try ServiceOptions(
                name: name, defaultPort: defaultPort, arguments: arguments,
                environment: ServiceOptions.processEnvironment(), extraFlags: extraFlags, defaultMetricsPort: defaultMetricsPort)
        } catch {
            let text = Array("\(name): \(error)\n".utf8)
            _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            exit(2)
        }
        let logger = Logger(service: name, minimumLevel: options.logLevel)
        // Watch SIGTERM/SIGINT before anything slow starts, so an early signal still exits cleanly.
        let signals = UnixSignals(logger: logger)
        if options.logLevel == .debug {
            logger.warning("debug logging is on: transcripts and query text are written to the log; use info in production")
        }
        do {
            let health = HealthService()
            let registry = MetricsRegistry()
            let parts = try await makeParts(ServiceSetup(options: options, logger: logger, health: health, metrics: registry))
            let services = parts.rpcServices
            let telemetry = ServiceTelemetry(registry: registry, logger: logger, services: services + [health], logCalls: options.logCalls)
            let serviceNames = services.compactMap { service -> [String]? in
                var router = RPCRouter()
                service.registerMethods(with: &router)
                return Array(router.serviceNames)
            }.flatMap { $0 }
            for service in serviceNames + [""] where health.status(of: service) == nil || !parts.ready {
                health.setStatus(parts.ready ? .serving : .notServing, for: service)
            }
            let server = try HTTP2Server(configuration: options.server, services: services + [health], logger: logger, observer: telemetry)
            telemetry.observePool(of: server)
            var admin: [any Service] = []
            if let listen = options.metricsListen {
                admin.append(
                    try AdminHTTPServer(host: listen.host, port: listen.port, logger: logger) { path in
                        switch path {
                        case "/metrics": (200, MetricsRegistry.contentType, registry.render())
                        case "/healthz":
                            health.status(of: "") == .serving ? (200, "text/plain", "SERVING\n") : (503, "text/plain", "NOT_SERVING\n")
                        default: (404, "text/plain", "not found: try /metrics or /healthz\n")
                        }
                    })
            }
            // Stopped last-first: background work stops before health drains and the server.
            try await ServiceGroup(
                services: admin + [server, HealthDrainHook(health: health)] + parts.backgroundServices,
                shutdown: signals.shutdown, logger: logger
            ).run()
            logger.info("stopped", ["completed_calls": server.statistics.completedCalls])
            exit(0)
        } catch let error as ServiceOptions.ConfigurationError {
            let text = Array("\(name): \(error)\n".utf8)
            _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            exit(2)
        } catch {
            logger.error("failed", ["error": "\(error)"])
            exit(1)
        }
    }
}

/// What a service's set-up gets: its options, its logger, and the health service it may
/// drive (see `ServiceMain.run(name:defaultPort:extraFlags:makeParts:)`).
public struct ServiceSetup: Sendable {
    public let options: ServiceOptions
    public let logger: Logger
    public let health: HealthService
    /// The process's metrics (served on the admin port, or by the gateway on /metrics).
    public let metrics: MetricsRegistry
}

/// What a service process runs: RPC services on the gRPC server, and background services
/// (index sync, model reloads) in the same service group.
public struct ServiceParts: Sendable {
    public var rpcServices: [any RegistrableRPCService]
    public var backgroundServices: [any Service]
    /// Whether health starts SERVING; false leaves it NOT_SERVING until the service says so.
    public var ready: Bool

    public init(rpcServices: [any RegistrableRPCService], backgroundServices: [any Service] = [], ready: Bool = true) {
        self.rpcServices = rpcServices
        self.backgroundServices = backgroundServices
        self.ready = ready
    }
}

extension ServiceOptions {
    /// The process environment, read from `environ`.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }
}
