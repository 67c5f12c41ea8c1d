internal import JSON
internal import Synchronization
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
    /// The gateway's span of this request: the client's trace continued, or a new one.
    public let trace: TraceContext
    /// When the request arrived.
    public let start: ContinuousClock.Instant
    /// When the whole request must be answered.
    public let deadline: ContinuousClock.Instant
    /// What the handlers learn about the request for its log line (user, text).
    public let notes: RequestNotes

    /// Creates a context.
    public init(requestID: String, trace: TraceContext, start: ContinuousClock.Instant = .now, budget: Duration, notes: RequestNotes = RequestNotes()) {
        self.requestID = requestID
        self.trace = trace
        self.start = start
        deadline = start + budget
        self.notes = notes
    }

    /// The `traceparent` sent downstream (the gateway's span as the parent).
    public var traceParent: String { trace.traceParent }

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
        return RequestContext(requestID: requestID, trace: TraceContext(continuing: headers["traceparent"]), budget: budget)
    }
}

/// What a request's handlers learn that its log line reports: the user (logged as a keyed
/// hash) and, at debug level only, what was said or typed.
public final class RequestNotes: Sendable {
    private struct Notes {
        var userID = ""
        var text: [String: String] = [:]
    }
    private let notes = Mutex(Notes())

    /// Empty notes.
    public init() {}

    /// The user the request acts for ("" when anonymous).
    public var userID: String {
        get { notes.withLock { $0.userID } }
        set { notes.withLock { $0.userID = newValue } }
    }

    /// Records user text (a transcript, the query) under `key`; logged only at debug level.
    public func text(_ key: String, _ value: String) { notes.withLock { $0.text[key] = value } }

    /// The user text recorded.
    public var texts: [String: String] { notes.withLock { $0.text } }
}

private func isAlphanumeric(_ byte: UInt8) -> Bool {
    (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
}
