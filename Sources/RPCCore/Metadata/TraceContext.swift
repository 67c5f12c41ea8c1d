/// A W3C trace context (`traceparent: 00-<trace id>-<span id>-<flags>`) for one span: the
/// trace it belongs to, its own span id, and its parent's.
///
/// A server call continues the caller's trace with a new span whose parent is the caller's
/// span; calls made while serving carry `traceParent` (this span as their parent).
public struct TraceContext: Sendable, Hashable {
    /// 32 lowercase hex digits, not all zero.
    public let traceID: String
    /// This span: 16 lowercase hex digits.
    public let spanID: String
    /// The caller's span, when the call came with a valid `traceparent`.
    public let parentSpanID: String?
    /// The trace flags (2 hex digits; `01` = sampled).
    public let flags: String

    /// A new span under `traceParent`'s span, or the root span of a new trace when it is
    /// missing or malformed.
    public init(continuing traceParent: String?) {
        spanID = RequestID.generateSpanID()
        if let traceParent, let parsed = Self.parse(traceParent) {
            traceID = parsed.traceID
            parentSpanID = parsed.spanID
            flags = parsed.flags
        } else {
            traceID = RequestID.generate()
            parentSpanID = nil
            flags = "01"
        }
    }

    /// The header value that makes this span the parent of a downstream call.
    public var traceParent: String { "00-\(traceID)-\(spanID)-\(flags)" }

    /// The parts of a version-00 `traceparent`, or `nil` when it is not one.
    public static func parse(_ header: String) -> (traceID: String, spanID: String, flags: String)? {
        let utf8 = Array(header.utf8)
        guard utf8.count == 55, utf8[0] == UInt8(ascii: "0"), utf8[1] == UInt8(ascii: "0"),
            utf8[2] == UInt8(ascii: "-"), utf8[35] == UInt8(ascii: "-"), utf8[52] == UInt8(ascii: "-")
        else { return nil }
        func hex(_ range: Range<Int>) -> Bool { utf8[range].allSatisfy { (48...57).contains($0) || (97...102).contains($0) } }
        guard hex(3..<35), hex(36..<52), hex(53..<55) else { return nil }
        guard utf8[3..<35].contains(where: { $0 != UInt8(ascii: "0") }), utf8[36..<52].contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        return (String(decoding: utf8[3..<35], as: UTF8.self), String(decoding: utf8[36..<52], as: UTF8.self), String(decoding: utf8[53..<55], as: UTF8.self))
    }
}
