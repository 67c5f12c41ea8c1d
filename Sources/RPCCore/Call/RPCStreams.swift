/// Where a transport delivers the serialized messages of one stream.
public protocol RPCMessageSource: Sendable {
    /// The next serialized message, or `nil` once the peer has finished sending.
    /// - Throws: `RPCError` when the stream failed or was cancelled.
    func nextMessage() async throws -> [UInt8]?
}

/// Where a handler or client writes serialized messages for the transport to send.
public protocol RPCMessageSink: Sendable {
    /// Queues one serialized message; suspends while the stream's write buffer is full.
    /// - Throws: `RPCError` when the stream has ended or was cancelled.
    func write(_ message: [UInt8]) async throws
}

/// A stream of typed messages from the peer.
public struct RPCMessageStream<Message: RPCMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    private let source: any RPCMessageSource

    /// Wraps a transport's message source.
    public init(source: any RPCMessageSource) { self.source = source }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: any RPCMessageSource

        public mutating func next() async throws -> Message? {
            guard let bytes = try await source.nextMessage() else { return nil }
            do {
                return try Message(serializedBytes: bytes)
            } catch {
                throw RPCError(
                    code: .invalidArgument,
                    message: "The message is not a valid \(Message.self): \(error)",
                    cause: error
                )
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source) }
}

/// Writes typed messages to the peer.
public struct RPCWriter<Message: RPCMessage>: Sendable {
    private let sink: any RPCMessageSink

    /// Wraps a transport's message sink.
    public init(sink: any RPCMessageSink) { self.sink = sink }

    /// Sends one message; suspends while the stream's write buffer is full (flow control).
    /// - Throws: `RPCError` when the stream has ended or was cancelled.
    public func write(_ message: Message) async throws {
        try await sink.write(message.serializedBytes())
    }

    /// Sends each message in turn.
    public func write(contentsOf messages: some Sequence<Message>) async throws {
        for message in messages { try await write(message) }
    }
}
