/// A type-erased method handler, as a transport runs it.
public struct RPCHandler: Sendable {
    /// How the handler runs.
    public enum Body: Sendable {
        /// A unary handler that runs on the event loop thread. It must be fast and never block:
        /// health checks, echo, look-ups in memory. It appends the serialized response to the
        /// buffer it is given.
        case inlineUnary(@Sendable (UnsafeRawBufferPointer, ServerContext, inout [UInt8]) throws -> Void)
        /// A handler that runs off the loop, on the server's bounded handler pool.
        case pooled(@Sendable (any RPCMessageSource, any RPCMessageSink, ServerContext) async throws -> Void)
    }

    /// The method served.
    public let method: MethodDescriptor
    /// The handler.
    public let body: Body
}

/// Maps `/service/method` paths to handlers. Services register their methods with it.
public struct RPCRouter: Sendable {
    private var handlers: [String: RPCHandler] = [:]

    /// An empty router.
    public init() {}

    /// The handler for an HTTP/2 `:path`.
    public func handler(forPath path: String) -> RPCHandler? { handlers[path] }

    /// The registered methods.
    public var methods: [MethodDescriptor] { handlers.values.map(\.method).sorted { $0.path < $1.path } }

    /// The fully qualified names of the registered services.
    public var serviceNames: Set<String> { Set(handlers.values.map(\.method.service)) }

    /// Registers a type-erased handler, replacing any handler for the same method.
    public mutating func register(_ handler: RPCHandler) { handlers[handler.method.path] = handler }

    /// Registers a unary handler that runs on the event loop. Use only for fast, non-blocking work.
    public mutating func registerInline<Input: RPCMessage, Output: RPCMessage>(
        _ method: MethodDescriptor,
        _ body: @escaping @Sendable (Input, ServerContext) throws -> Output
    ) {
        register(
            RPCHandler(
                method: method,
                body: .inlineUnary { bytes, context, out in
                    let request = try Self.decode(Input.self, bytes)
                    try body(request, context).serialize(into: &out)
                }
            )
        )
    }

    /// Registers a unary handler that runs on the handler pool.
    public mutating func registerUnary<Input: RPCMessage, Output: RPCMessage>(
        _ method: MethodDescriptor,
        _ body: @escaping @Sendable (Input, ServerContext) async throws -> Output
    ) {
        register(
            RPCHandler(
                method: method,
                body: .pooled { source, sink, context in
                    let request = try await Self.single(Input.self, from: source)
                    let response = try await body(request, context)
                    try await sink.write(response.serializedBytes())
                }
            )
        )
    }

    /// Registers a server-streaming handler.
    public mutating func registerServerStreaming<Input: RPCMessage, Output: RPCMessage>(
        _ method: MethodDescriptor,
        _ body: @escaping @Sendable (Input, RPCWriter<Output>, ServerContext) async throws -> Void
    ) {
        register(
            RPCHandler(
                method: method,
                body: .pooled { source, sink, context in
                    let request = try await Self.single(Input.self, from: source)
                    try await body(request, RPCWriter(sink: sink), context)
                }
            )
        )
    }

    /// Registers a client-streaming handler.
    public mutating func registerClientStreaming<Input: RPCMessage, Output: RPCMessage>(
        _ method: MethodDescriptor,
        _ body: @escaping @Sendable (RPCMessageStream<Input>, ServerContext) async throws -> Output
    ) {
        register(
            RPCHandler(
                method: method,
                body: .pooled { source, sink, context in
                    let response = try await body(RPCMessageStream(source: source), context)
                    try await sink.write(response.serializedBytes())
                }
            )
        )
    }

    /// Registers a bidirectional-streaming handler.
    public mutating func registerBidiStreaming<Input: RPCMessage, Output: RPCMessage>(
        _ method: MethodDescriptor,
        _ body: @escaping @Sendable (RPCMessageStream<Input>, RPCWriter<Output>, ServerContext) async throws -> Void
    ) {
        register(
            RPCHandler(
                method: method,
                body: .pooled { source, sink, context in
                    try await body(RPCMessageStream(source: source), RPCWriter(sink: sink), context)
                }
            )
        )
    }

    private static func decode<Message: RPCMessage>(_ type: Message.Type, _ bytes: UnsafeRawBufferPointer) throws -> Message {
        do {
            return try Message(serializedBytes: bytes)
        } catch {
            throw RPCError(code: .invalidArgument, message: "The request is not a valid \(Message.self): \(error)", cause: error)
        }
    }

    private static func single<Message: RPCMessage>(_ type: Message.Type, from source: any RPCMessageSource) async throws -> Message {
        guard let bytes = try await source.nextMessage() else {
            throw RPCError(code: .internal, message: "The client sent no request message for a unary call.")
        }
        guard try await source.nextMessage() == nil else {
            throw RPCError(code: .internal, message: "The client sent more than one request message for a unary call.")
        }
        return try bytes.withUnsafeBytes { try decode(Message.self, $0) }
    }
}

/// A service whose methods can be registered with a router.
public protocol RegistrableRPCService: Sendable {
    /// Registers every method this service implements.
    func registerMethods(with router: inout RPCRouter)
}
