internal import Glibc
internal import Synchronization

/// Writes one JSON object per line to standard output: `ts`, `level`, `service`, `msg`,
/// then the fields given, keys sorted.
///
/// Callers must never pass audio or user text that is not meant for logs.
public struct Logger: Sendable {
    /// Severity.
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warning, error

        var name: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The service name put on every line.
    public let service: String
    /// Lines below this level are dropped.
    public let minimumLevel: Level
    private static let output = Mutex(())

    /// Creates a logger.
    public init(service: String, minimumLevel: Level = .info) {
        self.service = service
        self.minimumLevel = minimumLevel
    }

    /// Logs a line. Strings, integers, doubles and booleans keep their JSON types; anything
    /// else is logged as its description.
    public func log(_ level: Level, _ message: String, _ fields: [String: any Sendable] = [:]) {
        guard level >= minimumLevel else { return }
        var entries: [(String, String)] = fields.map { key, value in
            let encoded: String
            switch value {
            case let value as String: encoded = Self.quoted(value)
            case let value as Int: encoded = String(value)
            case let value as Int64: encoded = String(value)
            case let value as Double: encoded = value.isFinite ? String(value) : Self.quoted(String(value))
            case let value as Bool: encoded = value ? "true" : "false"
            default: encoded = Self.quoted(String(describing: value))
            }
            return (key, encoded)
        }
        entries.append(("ts", Self.quoted(Self.timestamp())))
        entries.append(("level", Self.quoted(level.name)))
        entries.append(("service", Self.quoted(service)))
        entries.append(("msg", Self.quoted(message)))
        entries.sort { $0.0 < $1.0 }
        var line = "{"
        for (index, (key, value)) in entries.enumerated() {
            if index > 0 { line += "," }
            line += Self.quoted(key) + ":" + value
        }
        line += "}\n"
        Self.output.withLock { _ in
            var bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { break }
                offset += n
            }
        }
    }

    /// Logs at info level.
    public func info(_ message: String, _ fields: [String: any Sendable] = [:]) { log(.info, message, fields) }
    /// Logs at warning level.
    public func warning(_ message: String, _ fields: [String: any Sendable] = [:]) { log(.warning, message, fields) }
    /// Logs at error level.
    public func error(_ message: String, _ fields: [String: any Sendable] = [:]) { log(.error, message, fields) }
    /// Logs at debug level.
    public func debug(_ message: String, _ fields: [String: any Sendable] = [:]) { log(.debug, message, fields) }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Now, as RFC 3339 UTC with milliseconds: `2026-12-04T20:55:29.903Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}
