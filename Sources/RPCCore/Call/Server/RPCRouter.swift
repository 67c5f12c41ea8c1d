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
    /// For a `.pooled` handler of a method whose request is one message (unary or server
    /// streaming): start it on the event loop thread once the request has arrived, and let it
    /// run there until it first suspends. A handler that answers from memory then replies
    /// with no thread hand-off at all; one that awaits (a database call) continues on the
    /// pool after its first suspension. The synchronous part holds the loop's other
    /// connections, so it must be short (a millisecond or so). See `RPCRouter.startOnLoop`.
    public internal(set) var startsOnLoop = false

    /// A handler of `method`.
    public init(method: MethodDescriptor, body: Body) {
        self.method = method
        self.body = body
    }
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

    /// Registers every method of `service`, and starts on the loop those it names in
    /// `methodsStartingOnLoop`.
    public mutating func register(_ service: any RegistrableRPCService) {
        service.registerMethods(with: &self)
        startOnLoop(service.methodsStartingOnLoop)
    }

    /// Lets the registered handlers of `methods` start on the event loop (see
    /// `RPCHandler.startsOnLoop`). Only pooled handlers of methods whose request is a single
    /// message can: the others are a programming error.
    public mutating func startOnLoop(_ methods: [MethodDescriptor]) {
        for method in methods {
            guard var handler = handlers[method.path] else { preconditionFailure("\(method.path) is not registered") }
            guard case .pooled = handler.body, !method.kind.clientStreams else {
                preconditionFailure("\(method.path) cannot start on the loop: only pooled handlers of single-request methods can")
            }
            handler.startsOnLoop = true
            handlers[method.path] = handler
        }
    }

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
    /// The methods whose handlers start on the event loop (`RPCHandler.startsOnLoop`): those
    /// that usually answer from memory in well under a millisecond. None by default.
    var methodsStartingOnLoop: [MethodDescriptor] { get }
}

extension RegistrableRPCService {
    public var methodsStartingOnLoop: [MethodDescriptor] { [] }
}
