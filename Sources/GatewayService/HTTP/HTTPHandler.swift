/// What the HTTP server asks of the application.
///
/// `respondInline`, `streamsBody`, `bodyLimit` and `acceptsWebSocket` run on the HTTP loop
/// thread: they must be quick and never block. `handle` runs as a task.
public protocol HTTPHandler: Sendable {
    /// Answers a request on the loop thread, without a hop to a task (health, static files,
    /// errors decided from the head alone); `nil` sends it to `handle`.
    func respondInline(to head: HTTPRequestHead) -> HTTPResponse?
    /// Whether the route reads its body as a stream (`HTTPRequest.bodyStream`) rather than whole.
    func streamsBody(_ head: HTTPRequestHead) -> Bool
    /// The largest body the route accepts, in bytes.
    func bodyLimit(_ head: HTTPRequestHead) -> Int
    /// Answers a request.
    func handle(_ request: HTTPRequest) async -> HTTPResponse
    /// Whether a WebSocket upgrade to this path is accepted.
    func acceptsWebSocket(_ head: HTTPRequestHead) -> Bool
    /// Serves an accepted WebSocket connection until it ends.
    func handle(webSocket: WebSocketConnection) async
    /// The response for an error the server detects itself (body too large, too many
    /// connections, shutting down), in the application's error shape.
    func serverError(status: Int, code: String, message: String, head: HTTPRequestHead?) -> HTTPResponse
    /// Called once the server has stopped (every request answered or past the grace period),
    /// for work that must finish before the process exits.
    func serverStopped() async
}

extension HTTPHandler {
    public func serverStopped() async {}
}
