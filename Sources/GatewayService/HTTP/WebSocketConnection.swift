internal import Synchronization

/// A message of a WebSocket connection.
public enum WebSocketMessage: Sendable, Equatable {
    /// A text message (UTF-8, validated by the library).
    case text(String)
    /// A binary message.
    case binary([UInt8])
}

/// One accepted WebSocket connection, as the application sees it: the upgrade request's
/// head, the messages the client sends, and ways to send and to close.
///
/// ## Shutdown
/// The inbound sequence ends when the client closes or the connection drops; `close` sends
/// a close frame after the messages already queued.
public final class WebSocketConnection: Sendable {
    /// The upgrade request (path, query, headers).
    public let head: HTTPRequestHead
    /// The messages from the client, in order; ends when the connection closes.
    public let messages: AsyncStream<WebSocketMessage>
    let inbound: AsyncStream<WebSocketMessage>.Continuation
    private let outbound: @Sendable (WebSocketOutbound) -> Void

    init(head: HTTPRequestHead, outbound: @escaping @Sendable (WebSocketOutbound) -> Void) {
        self.head = head
        (messages, inbound) = AsyncStream.makeStream(of: WebSocketMessage.self, bufferingPolicy: .unbounded)
        self.outbound = outbound
    }

    /// Creates a connection not bound to a socket: what it sends goes to `sink` (for tests).
    public static func detached(
        head: HTTPRequestHead, sink: @escaping @Sendable (WebSocketOutbound) -> Void
    ) -> (WebSocketConnection, AsyncStream<WebSocketMessage>.Continuation) {
        let connection = WebSocketConnection(head: head, outbound: sink)
        return (connection, connection.inbound)
    }

    /// Queues a text message.
    public func send(text: String) { outbound(.message(.text(text))) }

    /// Queues a close frame with a status code (1000 normal, 1008 policy, 1009 too big, 1011 error).
    public func close(code: UInt16 = 1000, reason: String = "") { outbound(.close(code: code, reason: reason)) }
}

/// What the application queues on a WebSocket connection.
public enum WebSocketOutbound: Sendable, Equatable {
    /// A message.
    case message(WebSocketMessage)
    /// A close frame.
    case close(code: UInt16, reason: String)
}
