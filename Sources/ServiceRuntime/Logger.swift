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

    /// Creates a logger.
    public init(service: String, minimumLevel: Level = .info) {
        self.service = service
        self.minimumLevel = minimumLevel
    }

    /// Logs a line. Strings, integers, doubles and booleans keep their JSON types; anything
    /// else is logged as its description. The line is built as bytes and handed to a writer
    /// thread (`LogWriter`), which writes within 10 ms and at exit.
    public func log(_ level: Level, _ message: String, _ fields: [String: any Sendable] = [:]) {
        guard level >= minimumLevel else { return }
        var entries = Array(fields)
        entries.sort { $0.key < $1.key }
        var line: [UInt8] = []
        line.reserveCapacity(160 + 48 * entries.count)
        line.append(UInt8(ascii: "{"))
        var first = true
        // Keys in order: the caller's fields and the four fixed ones, merged.
        let fixed: [(String, any Sendable)] = [("level", level.name), ("msg", message), ("service", service), ("ts", Timestamp())]
        var fixedIndex = 0
        var fieldIndex = 0
        while fixedIndex < fixed.count || fieldIndex < entries.count {
            let key: String
            let value: any Sendable
            if fieldIndex < entries.count && (fixedIndex >= fixed.count || entries[fieldIndex].key < fixed[fixedIndex].0) {
                (key, value) = (entries[fieldIndex].key, entries[fieldIndex].value)
                fieldIndex += 1
                if fixed.contains(where: { $0.0 == key }) { continue }
            } else {
                (key, value) = fixed[fixedIndex]
                fixedIndex += 1
            }
            if !first { line.append(UInt8(ascii: ",")) }
            first = false
            Self.appendQuoted(key, to: &line)
            line.append(UInt8(ascii: ":"))
            Self.appendValue(value, to: &line)
        }
        line.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
        LogWriter.shared.append(line)
    }

    /// Logs a line built field by field, for lines on a hot path (one per call): no
    /// dictionary, no dynamic casts, fields in the order written.
    public func log(_ level: Level, _ message: String, building build: (inout LogLine) -> Void) {
        guard level >= minimumLevel else { return }
        var line = LogLine()
        line.string("level", level.name)
        line.string("msg", message)
        build(&line)
        line.string("service", service)
        let ts: StaticString = ",\"ts\":"
        ts.withUTF8Buffer { line.bytes.append(contentsOf: $0) }
        Timestamp().append(to: &line.bytes)
        line.bytes.append(UInt8(ascii: "}"))
        line.bytes.append(UInt8(ascii: "\n"))
        LogWriter.shared.append(line.bytes)
    }

    /// Writes the lines logged so far (the writer thread does within 10 ms, and at exit).
    public static func flush() { LogWriter.shared.flush() }

    private static func appendValue(_ value: any Sendable, to line: inout [UInt8]) {
        switch value {
        case let value as String: appendQuoted(value, to: &line)
        case let value as Int: line.append(contentsOf: String(value).utf8)
        case let value as Int64: line.append(contentsOf: String(value).utf8)
        case let value as Double:
            if value.isFinite { line.append(contentsOf: String(value).utf8) } else { appendQuoted(String(value), to: &line) }
        case let value as Bool: line.append(contentsOf: (value ? "true" : "false").utf8)
        case let value as Timestamp: value.append(to: &line)
        default: appendQuoted(String(describing: value), to: &line)
        }
    }

    /// Appends `text` as a JSON string literal.
    static func appendQuoted(_ text: String, to line: inout [UInt8]) {
        line.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Most values (ids, names, codes) need no escaping: one copy.
            if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                line.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    line.append(UInt8(ascii: "\\"))
                    line.append(byte)
                case UInt8(ascii: "\n"):
                    line.append(UInt8(ascii: "\\"))
                    line.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"):
                    line.append(UInt8(ascii: "\\"))
                    line.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"):
                    line.append(UInt8(ascii: "\\"))
                    line.append(UInt8(ascii: "t"))
                case 0..<0x20:
                    let digits: StaticString = "0123456789abcdef"
                    line.append(UInt8(ascii: "\\"))
                    line.append(UInt8(ascii: "u"))
                    line.append(UInt8(ascii: "0"))
                    line.append(UInt8(ascii: "0"))
                    digits.withUTF8Buffer { digits in
                        line.append(digits[Int(byte >> 4)])
                        line.append(digits[Int(byte & 15)])
                    }
                default: line.append(byte)
                }
            }
        }
        line.append(UInt8(ascii: "\""))
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
        var bytes: [UInt8] = []
        appendQuoted(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Now, as RFC 3339 UTC with milliseconds: `2026-12-04T20:55:29.903Z`.
    static func timestamp() -> String {
        var bytes: [UInt8] = []
        Timestamp().append(to: &bytes)
        return String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
    }
}

/// The current time for a log line, formatted (quoted) when appended. The date and time up
/// to the second are formatted once per second and reused.
struct Timestamp: Sendable {
    private static let cache = Mutex<(second: Int, text: [UInt8])>((-1, []))
    let seconds: Int
    let milliseconds: Int

    init() {
        let now = WallClock.nowMilliseconds()
        seconds = Int(now / 1000)
        milliseconds = Int(now % 1000)
    }

    /// Appends `"2026-12-04T20:55:29.903Z"` (with the quotes).
    func append(to line: inout [UInt8]) {
        let prefix = Self.cache.withLock { cache -> [UInt8] in
            if cache.second == seconds { return cache.text }
            var seconds = self.seconds
            var parts = tm()
            gmtime_r(&seconds, &parts)
            func pad(_ value: Int32, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            let text = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
                + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            cache = (self.seconds, Array(text.utf8))
            return cache.text
        }
        line.append(UInt8(ascii: "\""))
        line.append(contentsOf: prefix)
        line.append(UInt8(ascii: "0") + UInt8(milliseconds / 100))
        line.append(UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(milliseconds % 10))
        line.append(UInt8(ascii: "Z"))
        line.append(UInt8(ascii: "\""))
    }
}

/// The fields of one log line, appended as JSON as they are given.
public struct LogLine {
    var bytes: [UInt8]

    init() {
        bytes = [UInt8(ascii: "{")]
        bytes.reserveCapacity(320)
    }

    private mutating func key(_ key: StaticString) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A string field.
    public mutating func string(_ key: StaticString, _ value: String) {
        self.key(key)
        Logger.appendQuoted(value, to: &bytes)
    }

    /// An integer field.
    public mutating func int(_ key: StaticString, _ value: Int) {
        self.key(key)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude)
    }

    /// A duration in milliseconds with three decimals (microsecond precision), as a number.
    public mutating func milliseconds(_ key: StaticString, _ duration: Duration) {
        self.key(key)
        let parts = duration.components
        let micros = max(0, parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000)
        appendDigits(UInt(micros / 1000))
        bytes.append(UInt8(ascii: "."))
        let fraction = Int(micros % 1000)
        bytes.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        bytes.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        bytes.append(UInt8(ascii: "0") + UInt8(fraction % 10))
    }

    private mutating func appendDigits(_ value: UInt) {
        var divisor: UInt = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
