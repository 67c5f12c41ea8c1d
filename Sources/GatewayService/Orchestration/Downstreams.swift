internal import JSON
public import Protos
public import RPCCore

/// The typed clients of the three downstream services, over any channel (HTTP/2 in
/// production, a loopback server in tests).
public struct Downstreams: Sendable {
    public let asr: ASRV1.ASR.Client
    public let nlu: NLUV1.NLU.Client
    public let rec: RecV1.Rec.Client
    public let admin: RecV1.CatalogAdmin.Client
    /// Health clients by service name, for /readyz.
    public let health: [(name: String, client: HealthV1.Health.Client)]

    /// Creates the clients.
    public init(asr: any RPCChannel, nlu: any RPCChannel, rec: any RPCChannel) {
        self.asr = ASRV1.ASR.Client(channel: asr)
        self.nlu = NLUV1.NLU.Client(channel: nlu)
        self.rec = RecV1.Rec.Client(channel: rec)
        admin = RecV1.CatalogAdmin.Client(channel: rec)
        health = [
            ("asr-svc", HealthV1.Health.Client(channel: asr)), ("nlu-svc", HealthV1.Health.Client(channel: nlu)),
            ("rec-svc", HealthV1.Health.Client(channel: rec)),
        ]
    }
}

/// One REST request's identity and deadline, carried to every downstream call.
///
/// The deadline is split across the hops: each call gets a share of the time left (its
/// `grpc-timeout`), and every call carries the request's `x-request-id` and a `traceparent`
/// with the client's trace id (or a new one) and the gateway's own span id.
public struct RequestContext: Sendable {
    /// The request id (the client's `X-Request-Id` when valid, otherwise a new one).
    public let requestID: String
    /// The W3C trace context sent downstream.
    public let traceParent: String
    /// When the request arrived.
    public let start: ContinuousClock.Instant
    /// When the whole request must be answered.
    public let deadline: ContinuousClock.Instant

    /// Creates a context.
    public init(requestID: String, traceParent: String, start: ContinuousClock.Instant = .now, budget: Duration) {
        self.requestID = requestID
        self.traceParent = traceParent
        self.start = start
        deadline = start + budget
    }

    /// The time left before the deadline.
    public var remaining: Duration { deadline - .now }

    /// The options of a downstream call that may use `share` (0-1) of the time left.
    /// - Throws: `GatewayError` 504 when no time is left for the call.
    public func options(share: Double, stage: String) throws(GatewayError) -> CallOptions {
        let remaining = self.remaining
        guard remaining > .milliseconds(2) else {
            throw GatewayError(
                status: 504, code: "deadline_exceeded", message: "no time was left for \(stage) within the request's deadline",
                details: ["stage": .string(stage)])
        }
        return CallOptions(timeout: remaining * share, metadata: [RequestID.header: requestID, "traceparent": traceParent])
    }

    /// Builds a context from the request headers: a valid `X-Request-Id` (1-128 characters
    /// of letters, digits, `-`, `_`, `.`) is kept; a valid `traceparent` keeps its trace id
    /// and flags with a new span id; otherwise both are new.
    public static func from(headers: [String: String], budget: Duration) -> RequestContext {
        var requestID = RequestID.generate()
        if let given = headers["x-request-id"], (1...128).contains(given.utf8.count),
            given.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") })
        {
            requestID = given
        }
        let span = String(RequestID.generate().suffix(16))
        var traceParent = "00-\(RequestID.generate())-\(span)-01"
        if let given = headers["traceparent"] {
            let parts = given.split(separator: "-")
            if parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
                parts[1].utf8.allSatisfy(isLowerHex), parts[3].utf8.allSatisfy(isLowerHex), parts[1] != String(repeating: "0", count: 32)
            {
                traceParent = "00-\(parts[1])-\(span)-\(parts[3])"
            }
        }
        return RequestContext(requestID: requestID, traceParent: traceParent, budget: budget)
    }
}

private func isAlphanumeric(_ byte: UInt8) -> Bool {
    (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
}

private func isLowerHex(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (97...102).contains(byte) }
