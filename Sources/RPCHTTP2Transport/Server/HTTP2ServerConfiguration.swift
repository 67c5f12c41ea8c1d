/// Settings of an ``HTTP2Server``. Every limit is explicit; the defaults suit a service
/// on a small machine.
public struct HTTP2ServerConfiguration: Sendable {
    /// Where to listen; port 0 picks a free port (read it back from `listeningAddress`).
    public var address: HostPort
    /// Event-loop threads; each owns a SO_REUSEPORT listener and its connections.
    public var eventLoops: Int
    /// Largest request message accepted (RESOURCE_EXHAUSTED past it). Default 4 MiB.
    public var maxReceiveMessageBytes: Int
    /// Largest response message sent. Default 16 MiB.
    public var maxSendMessageBytes: Int
    /// Pooled (off-loop) handlers that may run at once; further calls get RESOURCE_EXHAUSTED.
    public var maxConcurrentHandlers: Int
    /// SETTINGS_MAX_CONCURRENT_STREAMS per connection.
    public var maxConcurrentStreams: UInt32
    /// Bytes of received messages a stream may queue before its window is withheld.
    public var streamInboxBytes: Int
    /// Bytes of response data a stream may queue before its writer suspends.
    public var streamOutboxBytes: Int
    /// Bytes of encoded frames a connection buffers before it stops reading from the socket.
    public var connectionWriteBufferBytes: Int
    /// Interval of keepalive PINGs on idle connections; `nil` disables them.
    public var keepaliveInterval: Duration?
    /// How long a PING may go unanswered before the connection is closed.
    public var keepaliveTimeout: Duration
    /// How long a graceful shutdown waits for calls in flight before cancelling them.
    public var shutdownGracePeriod: Duration

    /// Creates a configuration.
    public init(
        address: HostPort,
        eventLoops: Int = EventLoopGroup.defaultCount,
        maxReceiveMessageBytes: Int = 4 << 20,
        maxSendMessageBytes: Int = 16 << 20,
        maxConcurrentHandlers: Int = 256,
        maxConcurrentStreams: UInt32 = 1000,
        streamInboxBytes: Int = 1 << 20,
        streamOutboxBytes: Int = 1 << 20,
        connectionWriteBufferBytes: Int = 1 << 20,
        keepaliveInterval: Duration? = .seconds(60),
        keepaliveTimeout: Duration = .seconds(20),
        shutdownGracePeriod: Duration = .seconds(25)
    ) {
        self.address = address
        self.eventLoops = eventLoops
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
        self.maxSendMessageBytes = maxSendMessageBytes
        self.maxConcurrentHandlers = maxConcurrentHandlers
        self.maxConcurrentStreams = maxConcurrentStreams
        self.streamInboxBytes = streamInboxBytes
        self.streamOutboxBytes = streamOutboxBytes
        self.connectionWriteBufferBytes = connectionWriteBufferBytes
        self.keepaliveInterval = keepaliveInterval
        self.keepaliveTimeout = keepaliveTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}
