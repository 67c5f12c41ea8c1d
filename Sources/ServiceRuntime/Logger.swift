internal import Foundation
internal import Synchronization

/// Writes one JSON object per line to standard output: `ts`, `level`, `service`, `msg`,
/// then the fields given.
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

    /// Logs a line.
    public func log(_ level: Level, _ message: String, _ fields: [String: any Sendable] = [:]) {
        guard level >= minimumLevel else { return }
        var object: [String: Any] = fields.mapValues { value -> Any in
            switch value {
            case let value as String: value
            case let value as Int: value
            case let value as Double: value
            case let value as Bool: value
            default: "\(value)"
            }
        }
        object["ts"] = Self.timestamp()
        object["level"] = level.name
        object["service"] = service
        object["msg"] = message
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        Self.output.withLock { _ in
            FileHandle.standardOutput.write(data + Data([0x0A]))
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

    private static func timestamp() -> String {
        let now = Date()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: now)
    }
}
