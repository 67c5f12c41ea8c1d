/// Settings of an ``HTTP2Channel``.
public struct HTTP2ClientConfiguration: Sendable {
    /// How calls are spread over the server addresses.
    public enum LoadBalancing: Sendable {
        /// Each call goes to the next ready address.
        case roundRobin
        /// Each call goes to the ready address with the fewest calls in flight.
        case leastOutstanding
    }

    /// The balancing policy. Default: round robin.
    public var loadBalancing: LoadBalancing = .roundRobin
    /// How long a connection attempt may take.
    public var connectTimeout: Duration = .seconds(5)
    /// Attempts per call (the first included) for UNAVAILABLE on idempotent methods, and for
    /// calls that never reached a server.
    public var maxAttempts: Int = 3
    /// Backoff before the first retry; it doubles each time, with jitter, up to `maxBackoff`.
    public var initialBackoff: Duration = .milliseconds(50)
    /// The longest retry backoff.
    public var maxBackoff: Duration = .seconds(1)
    /// How long an address that failed to connect is left out before it is tried again;
    /// it doubles with each failure up to `maxEjection`.
    public var ejectionBase: Duration = .milliseconds(200)
    /// The longest ejection.
    public var maxEjection: Duration = .seconds(10)
    /// How often DNS names are resolved again (so a headless Service that scales out is seen).
    public var resolveInterval: Duration = .seconds(15)
    /// Largest response message accepted (RESOURCE_EXHAUSTED past it). Default 4 MiB.
    public var maxReceiveMessageBytes: Int = 4 << 20
    /// Largest request message sent. Default 16 MiB.
    public var maxSendMessageBytes: Int = 16 << 20
    /// Bytes of responses a call may queue before its window is withheld.
    public var streamInboxBytes: Int = 1 << 20
    /// Bytes of requests a call may queue before its writer suspends.
    public var streamOutboxBytes: Int = 1 << 20
    /// Bytes of encoded frames a connection buffers before it stops reading.
    public var connectionWriteBufferBytes: Int = 1 << 20
    /// Interval of keepalive PINGs on idle connections; `nil` disables them.
    public var keepaliveInterval: Duration? = .seconds(30)
    /// How long a PING may go unanswered before the connection is dropped.
    public var keepaliveTimeout: Duration = .seconds(10)
    /// Overrides name resolution: maps a target to the addresses to use (IP literals).
    /// `nil` uses the system resolver (getaddrinfo, so DNS and /etc/hosts).
    public var resolver: (@Sendable (HostPort) throws -> [HostPort])? = nil
    /// The user-agent sent with each call.
    public var userAgent = "voiceshop-swift/0.1"

    /// Default settings.
    public init() {}
}
