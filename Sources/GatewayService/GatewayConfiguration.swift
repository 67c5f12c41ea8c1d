/// Everything the gateway is configured with, apart from the gRPC server's common flags.
///
/// `GatewayConfiguration(values:environment:)` reads it from the gateway's flags (or their
/// `GATEWAY_*` variables) and a few `VOICESHOP_*` variables; see services/gateway/README.md.
public struct GatewayConfiguration: Sendable {
    /// An error in the configuration, for the person starting the gateway.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public let description: String

        public init(_ description: String) { self.description = description }
    }

    /// The HTTP server's settings (address, limits).
    public var http = HTTPServerConfiguration()
    /// Downstream addresses (`host:port` or a comma-separated list).
    public var asrAddress = "127.0.0.1:50061"
    public var nluAddress = "127.0.0.1:50062"
    public var recAddress = "127.0.0.1:50063"
    /// API keys and their rate limits.
    public var apiKeys: [APIKey] = []
    /// The admin token; `nil` disables the admin routes (401).
    public var adminToken: String?
    /// The key of the user-id hashes in the logs (`--log-hash-key-file`,
    /// `VOICESHOP_LOG_HASH_KEY`); `nil` makes a random one per process.
    public var logHashKey: String?
    /// Default rate limit of a key: requests per second, and the burst.
    public var rateLimit: Double = 20
    public var rateBurst: Double = 40
    /// The largest request body of ordinary routes.
    public var maxBodyBytes = 10 << 20
    /// The largest catalog import body.
    public var maxImportBytes = 1 << 30
    /// The longest utterance accepted, in seconds.
    public var maxAudioSeconds: Double = 30
    /// The deadline of a voice search, and of a text search or other call.
    public var voiceDeadline: Duration = .milliseconds(4000)
    public var requestDeadline: Duration = .milliseconds(2500)
    /// Sessions: how long one lives without use, and how many are kept.
    public var sessionTTL: Duration = .seconds(1800)
    public var maxSessions = 10_000
    /// Where the web page's files and the OpenAPI spec are read from at start.
    public var webDirectory = "services/gateway/web"
    public var openAPIFile = "services/gateway/openapi.json"

    /// Defaults.
    public init() {}

    /// The gateway-specific flags, as `ServiceOptions` extra flags.
    public static let flags = [
        "asr-addr", "nlu-addr", "rec-addr", "http-listen", "h2c-listen", "api-keys", "api-keys-file", "admin-token", "admin-token-file",
        "rate-limit", "rate-burst", "max-body-bytes", "max-import-bytes", "max-header-bytes", "max-connections",
        "max-audio-seconds", "voice-deadline-ms", "request-deadline-ms", "session-ttl-seconds", "max-sessions", "web-dir",
        "openapi-file", "idle-timeout-seconds", "log-hash-key-file",
    ]

    /// Reads the configuration.
    /// - Parameters:
    ///   - value: a flag's value (flag, then `GATEWAY_<FLAG>`), as `ServiceOptions.value`.
    ///   - environment: the process environment, for `VOICESHOP_API_KEY`, `VOICESHOP_ADMIN_TOKEN`
    ///     and `VOICESHOP_HTTP_PORT`.
    ///   - readFile: reads a secret file.
    /// - Throws: `ConfigurationError` for a bad value or an unreadable file.
    public init(
        value: (String) -> String?, environment: [String: String], readFile: (String) throws -> String
    ) throws {
        func number(_ flag: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let text = value(flag) else { return nil }
            guard let number = Double(text), range.contains(number) else {
                throw ConfigurationError("--\(flag) must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
            }
            return number
        }
        if let address = value("asr-addr") { asrAddress = address }
        if let address = value("nlu-addr") { nluAddress = address }
        if let address = value("rec-addr") { recAddress = address }
        if let listen = value("http-listen") {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port)
            else { throw ConfigurationError("--http-listen must be HOST:PORT, not '\(listen)'") }
            http.host = String(listen[..<colon])
            http.port = port
        } else if let port = environment["VOICESHOP_HTTP_PORT"] {
            guard let port = Int(port), (0...65535).contains(port) else {
                throw ConfigurationError("VOICESHOP_HTTP_PORT must be a port number, not '\(port)'")
            }
            http.port = port
        }
        if let listen = value("h2c-listen") {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port)
            else { throw ConfigurationError("--h2c-listen must be HOST:PORT, not '\(listen)'") }
            http.priorKnowledgeAddress = (String(listen[..<colon]), port)
        }
        if let rate = try number("rate-limit", 0.001...1_000_000) { rateLimit = rate }
        if let burst = try number("rate-burst", 1...1_000_000) { rateBurst = burst }
        var keyLines: [String] = []
        if let keys = value("api-keys") { keyLines += keys.split(separator: ",").map(String.init) }
        if let file = value("api-keys-file") {
            do {
                keyLines += try readFile(file).split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init)
            } catch {
                throw ConfigurationError("--api-keys-file \(file): \(error)")
            }
        }
        if let key = environment["VOICESHOP_API_KEY"], !key.isEmpty { keyLines.append(key) }
        for line in keyLines {
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            apiKeys.append(try APIKey(parsing: trimmed, defaultRate: rateLimit, defaultBurst: rateBurst))
        }
        if let file = value("admin-token-file") {
            do {
                adminToken = try readFile(file).trimmingSpaces
            } catch {
                throw ConfigurationError("--admin-token-file \(file): \(error)")
            }
        } else if let token = value("admin-token") ?? environment["VOICESHOP_ADMIN_TOKEN"] {
            adminToken = token.trimmingSpaces
        }
        if let token = adminToken, token.count < 8 {
            throw ConfigurationError("the admin token must have at least 8 characters")
        }
        if let file = value("log-hash-key-file") {
            do {
                logHashKey = try readFile(file).trimmingSpaces
            } catch {
                throw ConfigurationError("--log-hash-key-file \(file): \(error)")
            }
        } else if let key = environment["VOICESHOP_LOG_HASH_KEY"], !key.isEmpty {
            logHashKey = key.trimmingSpaces
        }
        if let key = logHashKey, key.utf8.count < 16 {
            throw ConfigurationError("the log hash key must have at least 16 characters")
        }
        if let bytes = try number("max-body-bytes", 1024...Double(1 << 30)) { maxBodyBytes = Int(bytes) }
        if let bytes = try number("max-import-bytes", 1024...Double(1 << 40)) { maxImportBytes = Int(bytes) }
        if let bytes = try number("max-header-bytes", 1024...65535) { http.maxHeaderBytes = Int(bytes) }
        if let count = try number("max-connections", 1...100_000) { http.maxConnections = Int(count) }
        if let seconds = try number("idle-timeout-seconds", 1...3600) { http.idleTimeoutSeconds = Int(seconds) }
        // The common --shutdown-grace-seconds drains the HTTP side (WebSocket voice streams) too.
        if let seconds = try number("shutdown-grace-seconds", 0...3600) { http.shutdownGracePeriod = .seconds(Int(seconds)) }
        if let seconds = try number("max-audio-seconds", 0.5...600) { maxAudioSeconds = seconds }
        if let ms = try number("voice-deadline-ms", 50...600_000) { voiceDeadline = .milliseconds(Int(ms)) }
        if let ms = try number("request-deadline-ms", 50...600_000) { requestDeadline = .milliseconds(Int(ms)) }
        if let seconds = try number("session-ttl-seconds", 1...86_400 * 7) { sessionTTL = .seconds(Int(seconds)) }
        if let count = try number("max-sessions", 1...10_000_000) { maxSessions = Int(count) }
        if let directory = value("web-dir") { webDirectory = directory }
        if let file = value("openapi-file") { openAPIFile = file }
        http.maxWebSocketMessageBytes = maxBodyBytes
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
