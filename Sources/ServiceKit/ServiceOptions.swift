public import RPCHTTP2Transport
public import ServiceRuntime

/// How a service process is configured: command-line flags first, then environment
/// variables, then defaults.
///
/// Every option has a flag and a variable: `--listen` / `<PREFIX>_LISTEN`, where the prefix
/// comes from the service name (`asr-svc` → `ASR_SVC`). `--help` lists them.
public struct ServiceOptions: Sendable {
    /// An error in the configuration, for the person starting the service.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public let description: String

        public init(_ description: String) { self.description = description }
    }

    /// The service name, e.g. `asr-svc`.
    public let name: String
    /// The environment-variable prefix, e.g. `ASR_SVC`.
    public let prefix: String
    /// The server settings (address, loops, limits, grace period).
    public var server: HTTP2ServerConfiguration
    /// The minimum log level.
    public var logLevel: Logger.Level
    /// Where the admin HTTP port (`/metrics`, `/healthz`) listens; `nil` when it is off.
    public var metricsListen: (host: String, port: Int)?
    /// Whether each call is logged (one JSON line with its trace, status and duration).
    public var logCalls: Bool
    private var values: [String: String]

    /// The options every service accepts, with their defaults, for `--help`.
    public static let common: [(flag: String, help: String)] = [
        ("listen", "HOST:PORT to serve gRPC on (port 0 picks a free one)"),
        ("event-loops", "event-loop threads (default: one per core)"),
        ("max-receive-bytes", "largest request message (default 4194304)"),
        ("max-handlers", "handlers running at once before RESOURCE_EXHAUSTED (default 256)"),
        ("shutdown-grace-seconds", "how long SIGTERM waits for calls in flight (default 25)"),
        ("log-level", "debug, info, warning or error (default info); debug also logs transcripts and query text"),
        ("metrics-listen", "HOST:PORT of the admin HTTP port serving /metrics and /healthz, or 'off'"),
        ("call-log", "on or off: one JSON log line per call with trace id, span id, status and duration (default on)"),
    ]

    /// Parses flags (`--name value` or `--name=value`) and the environment.
    /// - Parameters:
    ///   - name: the service name.
    ///   - defaultPort: the port used when none is configured.
    ///   - extraFlags: service-specific flags that are accepted.
    ///   - defaultMetricsPort: the admin port when `--metrics-listen` is not given (`nil`: off).
    /// - Throws: `ConfigurationError` for an unknown flag or a bad value.
    public init(
        name: String,
        defaultPort: Int,
        arguments: [String],
        environment: [String: String],
        extraFlags: [String] = [],
        defaultMetricsPort: Int? = nil
    ) throws {
        self.name = name
        prefix = Self.variableName(name)
        let known = Set(Self.common.map(\.flag) + extraFlags)
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else {
                throw ConfigurationError("Unexpected argument '\(argument)'. Flags look like --listen 127.0.0.1:50051.")
            }
            var flag = String(argument.dropFirst(2))
            var value: String
            if let equals = flag.firstIndex(of: "=") {
                value = String(flag[flag.index(after: equals)...])
                flag = String(flag[..<equals])
            } else {
                guard index + 1 < arguments.count else { throw ConfigurationError("--\(flag) needs a value.") }
                index += 1
                value = arguments[index]
            }
            guard known.contains(flag) else {
                throw ConfigurationError("Unknown flag --\(flag). Known: \(known.sorted().map { "--\($0)" }.joined(separator: ", ")).")
            }
            values[flag] = value
            index += 1
        }
        for flag in known where values[flag] == nil {
            let variable = "\(prefix)_\(Self.variableName(flag))"
            if let value = environment[variable] ?? (flag == "log-level" ? environment["LOG_LEVEL"] : nil) {
                values[flag] = value
            }
        }
        self.values = values
        let address: HostPort
        do {
            address = try HostPort(parsing: values["listen"] ?? "0.0.0.0:\(defaultPort)")
        } catch {
            throw ConfigurationError("--listen: \(error)")
        }
        server = HTTP2ServerConfiguration(address: address)
        if let loops = try Self.int(values, "event-loops", 1...256) { server.eventLoops = loops }
        if let bytes = try Self.int(values, "max-receive-bytes", 1...(1 << 30)) { server.maxReceiveMessageBytes = bytes }
        if let handlers = try Self.int(values, "max-handlers", 1...100_000) { server.maxConcurrentHandlers = handlers }
        if let grace = try Self.int(values, "shutdown-grace-seconds", 0...3600) { server.shutdownGracePeriod = .seconds(grace) }
        switch values["log-level"] ?? "info" {
        case "debug": logLevel = .debug
        case "info": logLevel = .info
        case "warning": logLevel = .warning
        case "error": logLevel = .error
        case let other: throw ConfigurationError("Unknown log level '\(other)'.")
        }
        switch values["metrics-listen"] {
        case "off":
            metricsListen = nil
        case nil:
            // A server on a free port (tests, several instances on one host) gets a free
            // admin port too, rather than fighting over the fixed default.
            metricsListen = defaultMetricsPort.map { ("0.0.0.0", address.port == 0 ? 0 : $0) }
        case let text?:
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                throw ConfigurationError("--metrics-listen must be HOST:PORT or 'off', not '\(text)'.")
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            metricsListen = (host.isEmpty ? "0.0.0.0" : host, port)
        }
        switch values["call-log"] ?? "on" {
        case "on": logCalls = true
        case "off": logCalls = false
        case let other: throw ConfigurationError("--call-log must be 'on' or 'off', not '\(other)'.")
        }
    }

    /// `asr-svc` → `ASR_SVC`.
    static func variableName(_ text: String) -> String {
        String(text.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The value of a service-specific flag (or its environment variable).
    public func value(_ flag: String) -> String? { values[flag] }

    private static func int(_ values: [String: String], _ flag: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[flag] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("--\(flag) must be a number in \(range.lowerBound)...\(range.upperBound), not '\(text)'.")
        }
        return value
    }
}
