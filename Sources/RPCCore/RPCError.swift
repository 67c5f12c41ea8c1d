/// The error an RPC ends with: a non-OK status code, a message for people, and trailers.
public struct RPCError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The status code; never `.ok`.
    public var code: StatusCode
    /// What went wrong, in words a person understands (sent as `grpc-message`).
    public var message: String
    /// Metadata sent in the trailers with the status.
    public var metadata: Metadata
    /// The underlying error, kept for logs; never sent on the wire.
    public var cause: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: the status code; `.ok` is turned into `.unknown`.
    ///   - message: the message for people.
    ///   - metadata: trailing metadata.
    ///   - cause: the underlying error.
    public init(code: StatusCode, message: String, metadata: Metadata = [:], cause: (any Error)? = nil) {
        self.code = code == .ok ? .unknown : code
        self.message = message
        self.metadata = metadata
        self.cause = cause
    }

    public var description: String {
        var text = "\(code.name): \(message)"
        if let cause { text += " (cause: \(cause))" }
        return text
    }

    public static func == (lhs: RPCError, rhs: RPCError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.metadata == rhs.metadata
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }
}

extension RPCError {
    /// Wraps any error as an `RPCError`: an `RPCError` stays as it is, a
    /// `CancellationError` becomes CANCELLED, and anything else becomes UNKNOWN.
    public init(wrapping error: any Error) {
        if let error = error as? RPCError {
            self = error
        } else if error is CancellationError {
            self.init(code: .cancelled, message: "The call was cancelled.", cause: error)
        } else if let convertible = error as? any RPCErrorConvertible {
            self = convertible.rpcError
        } else {
            self.init(code: .unknown, message: "\(error)", cause: error)
        }
    }
}

/// A domain error that knows its gRPC status (mapped once, at the service boundary).
public protocol RPCErrorConvertible: Error {
    /// The status this error is reported with.
    var rpcError: RPCError { get }
}
