/// The shape of an RPC: how many messages go each way.
public struct RPCKind: Hashable, Sendable, CustomStringConvertible {
    private enum Value: Hashable, Sendable { case unary, serverStreaming, clientStreaming, bidiStreaming }
    private let value: Value

    /// One request, one response.
    public static let unary = RPCKind(value: .unary)
    /// One request, a stream of responses.
    public static let serverStreaming = RPCKind(value: .serverStreaming)
    /// A stream of requests, one response.
    public static let clientStreaming = RPCKind(value: .clientStreaming)
    /// Streams both ways.
    public static let bidiStreaming = RPCKind(value: .bidiStreaming)

    /// Whether the client sends a stream.
    public var clientStreams: Bool { value == .clientStreaming || value == .bidiStreaming }
    /// Whether the server sends a stream.
    public var serverStreams: Bool { value == .serverStreaming || value == .bidiStreaming }

    public var description: String {
        switch value {
        case .unary: "unary"
        case .serverStreaming: "server-streaming"
        case .clientStreaming: "client-streaming"
        case .bidiStreaming: "bidi-streaming"
        }
    }
}

/// Names one method of one service, as it appears on the wire (`/package.Service/Method`).
public struct MethodDescriptor: Hashable, Sendable, CustomStringConvertible {
    /// The fully qualified service name, for example `voiceshop.rec.v1.Rec`.
    public let service: String
    /// The method name, for example `Search`.
    public let method: String
    /// How many messages flow each way.
    public let kind: RPCKind
    /// Whether a call may be retried safely after UNAVAILABLE (proto `idempotency_level`
    /// `IDEMPOTENT` or `NO_SIDE_EFFECTS`).
    public let isIdempotent: Bool

    /// Creates a descriptor.
    /// - Parameters:
    ///   - service: the fully qualified service name.
    ///   - method: the method name.
    ///   - kind: the call shape.
    ///   - isIdempotent: whether retries are safe.
    public init(service: String, method: String, kind: RPCKind = .unary, isIdempotent: Bool = false) {
        self.service = service
        self.method = method
        self.kind = kind
        self.isIdempotent = isIdempotent
    }

    /// The HTTP/2 `:path`, `/service/method`.
    public var path: String { "/\(service)/\(method)" }

    public var description: String { "\(service)/\(method)" }
}
