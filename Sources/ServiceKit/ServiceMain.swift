internal import Glibc
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
        extraFlags: [String] = [],
        makeServices: @Sendable (ServiceOptions, Logger) async throws -> [any RegistrableRPCService]
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
                environment: ServiceOptions.processEnvironment(), extraFlags: extraFlags)
        } catch {
            let text = Array("\(name): \(error)\n".utf8)
            _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            exit(2)
        }
        let logger = Logger(service: name, minimumLevel: options.logLevel)
        // Watch SIGTERM/SIGINT before anything slow starts, so an early signal still exits cleanly.
        let signals = UnixSignals(logger: logger)
        do {
            let services = try await makeServices(options, logger)
            let serviceNames = services.compactMap { service -> [String]? in
                var router = RPCRouter()
                service.registerMethods(with: &router)
                return Array(router.serviceNames)
            }.flatMap { $0 }
            let health = HealthService(serving: serviceNames)
            let server = try HTTP2Server(configuration: options.server, services: services + [health], logger: logger)
            try await ServiceGroup(
                services: [server, HealthDrainHook(health: health)], shutdown: signals.shutdown, logger: logger
            ).run()
            logger.info("stopped", ["completed_calls": server.statistics.completedCalls])
            exit(0)
        } catch {
            logger.error("failed", ["error": "\(error)"])
            exit(1)
        }
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
