public import RPCCore

/// How one server call ended, for metrics and the per-call log.
public struct ServerCallRecord: Sendable {
    /// The method called; `nil` when the path named no registered method (UNIMPLEMENTED).
    public let method: MethodDescriptor?
    /// The call's context (request id, trace); `nil` when the call was refused before it had
    /// one (an unknown method).
    public let context: ServerContext?
    /// The status sent, or CANCELLED when the client reset the stream or the connection was
    /// lost before one was.
    public let code: StatusCode
    /// From the request headers to the end of the stream.
    public let duration: Duration
}

/// Sees every call and connection of an ``HTTP2Server``. Its methods run on the event loops
/// (inline, on the hot path): they must be quick and must not block.
public protocol ServerCallObserver: Sendable {
    /// A call with a known method started (before its admission to the handler pool).
    func callStarted(_ method: MethodDescriptor)
    /// A call ended: once for each `callStarted`, and also for calls to unknown methods
    /// (`record.method == nil`), which never started.
    func callEnded(_ record: ServerCallRecord)
    /// A connection was accepted.
    func connectionOpened()
    /// A connection closed.
    func connectionClosed()
}
