/// Settings of the gateway's HTTP server (HTTP/1.1 with keep-alive, h2c, WebSocket).
public struct HTTPServerConfiguration: Sendable {
    /// The address to bind; "0.0.0.0" for every interface.
    public var host: String
    /// The port; 0 picks a free one (see `HTTPServer.port`).
    public var port: Int
    /// A second listener that speaks HTTP/2 from the first byte (h2c with prior knowledge),
    /// for clients such as h2load and gRPC-style stacks; `nil` for none. The main port speaks
    /// HTTP/1.1 and upgrades to h2c on request (`Upgrade: h2c`), which suits requests without
    /// a body.
    public var priorKnowledgeAddress: (host: String, port: Int)?
    /// The largest request head (request line and headers), in bytes; past it the request
    /// is refused with 431 by the HTTP library.
    public var maxHeaderBytes: Int = 8192
    /// Connections open at once; past it a request gets 503 `too_many_connections` and
    /// its connection is closed.
    public var maxConnections: Int = 1024
    /// Seconds an idle connection (or a request that stalls) is kept open.
    public var idleTimeoutSeconds: Int = 60
    /// The largest WebSocket message, in bytes; past it the connection is closed with 1009.
    public var maxWebSocketMessageBytes: Int = 8 << 20
    /// How long a graceful shutdown waits for requests in flight.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Request headers read besides the standard ones, lower case (the HTTP library cannot
    /// list the headers it does not know, so the ones the application reads are named here).
    public var customHeaders: [String] = ["x-api-key", "x-user-id", "x-session-id", "x-request-id", "traceparent"]

    /// Creates a configuration.
    public init(host: String = "0.0.0.0", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}
