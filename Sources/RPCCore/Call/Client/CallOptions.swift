/// Per-call settings for a client call.
public struct CallOptions: Sendable {
    /// The time the call may take. The effective deadline is the earlier of this and the
    /// deadline of the server call the current task serves (`ServerContext.current`).
    public var timeout: Duration?
    /// Custom request metadata.
    public var metadata: Metadata
    /// Whether UNAVAILABLE may be retried; defaults to the method's idempotency.
    public var retryable: Bool?
    /// Largest response message accepted; `nil` uses the channel's limit.
    public var maxReceiveMessageBytes: Int?

    /// Creates options.
    public init(
        timeout: Duration? = nil,
        metadata: Metadata = [:],
        retryable: Bool? = nil,
        maxReceiveMessageBytes: Int? = nil
    ) {
        self.timeout = timeout
        self.metadata = metadata
        self.retryable = retryable
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
    }

    /// Default options: no timeout, no metadata.
    public static var defaults: CallOptions { CallOptions() }
}

/// A response with the metadata that came with it.
public struct RPCResponse<Message: RPCMessage>: Sendable {
    /// The response message.
    public var message: Message
    /// The response headers.
    public var initialMetadata: Metadata
    /// The trailers (without `grpc-status` and `grpc-message`).
    public var trailingMetadata: Metadata

    /// Creates a response.
    public init(message: Message, initialMetadata: Metadata, trailingMetadata: Metadata) {
        self.message = message
        self.initialMetadata = initialMetadata
        self.trailingMetadata = trailingMetadata
    }
}
