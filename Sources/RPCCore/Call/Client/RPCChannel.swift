/// One open call on a channel, at the level of serialized messages.
public protocol RPCClientStream: RPCMessageSource, RPCMessageSink {
    /// Half-closes the request side (END_STREAM).
    func closeSend() async throws
    /// The response headers; waits for them.
    /// - Throws: `RPCError` when the call failed before sending headers.
    func initialMetadata() async throws -> Metadata
    /// The trailers, without `grpc-status`/`grpc-message`; waits until the call has ended.
    func trailingMetadata() async -> Metadata
}

/// Something that can carry calls to a service: one connection, or a balanced set of them.
public protocol RPCChannel: Sendable {
    /// Opens a call, runs `body` with it, and cancels the call (RST_STREAM) if `body`
    /// returns or throws before the call has ended.
    /// - Throws: `RPCError` when the call cannot be started, or what `body` throws.
    func withStream<Result: Sendable>(
        _ method: MethodDescriptor,
        options: CallOptions,
        _ body: (any RPCClientStream) async throws -> Result
    ) async throws -> Result
}

extension RPCChannel {
    /// Makes a unary call and returns the response with its metadata.
    /// - Throws: `RPCError` with the status the call ended with.
    public func unaryCall<Input: RPCMessage, Output: RPCMessage>(
        _ method: MethodDescriptor,
        request: Input,
        options: CallOptions = .defaults
    ) async throws -> RPCResponse<Output> {
        try await withStream(method, options: options) { stream in
            try await stream.write(request.serializedBytes())
            try await stream.closeSend()
            let headers = try await stream.initialMetadata()
            let message: Output = try await Self.singleResponse(from: stream)
            return RPCResponse(message: message, initialMetadata: headers, trailingMetadata: await stream.trailingMetadata())
        }
    }

    /// Makes a unary call.
    /// - Throws: `RPCError` with the status the call ended with.
    public func unary<Input: RPCMessage, Output: RPCMessage>(
        _ method: MethodDescriptor,
        request: Input,
        options: CallOptions = .defaults
    ) async throws -> Output {
        let response: RPCResponse<Output> = try await unaryCall(method, request: request, options: options)
        return response.message
    }

    /// Makes a server-streaming call; `body` consumes the responses.
    /// - Throws: `RPCError` with the status the call ended with, or what `body` throws.
    public func serverStreaming<Input: RPCMessage, Output: RPCMessage, Result: Sendable>(
        _ method: MethodDescriptor,
        request: Input,
        options: CallOptions = .defaults,
        _ body: (RPCMessageStream<Output>) async throws -> Result
    ) async throws -> Result {
        try await withStream(method, options: options) { stream in
            try await stream.write(request.serializedBytes())
            try await stream.closeSend()
            return try await body(RPCMessageStream(source: stream))
        }
    }

    /// Makes a client-streaming call; `requests` writes the requests.
    /// - Throws: `RPCError` with the status the call ended with, or what `requests` throws.
    public func clientStreaming<Input: RPCMessage, Output: RPCMessage>(
        _ method: MethodDescriptor,
        options: CallOptions = .defaults,
        requests: (RPCWriter<Input>) async throws -> Void
    ) async throws -> Output {
        try await withStream(method, options: options) { stream in
            try await requests(RPCWriter(sink: stream))
            try await stream.closeSend()
            return try await Self.singleResponse(from: stream)
        }
    }

    /// Makes a bidirectional-streaming call. `requests` runs concurrently with `body`,
    /// and the request side is half-closed when it returns.
    /// - Throws: `RPCError` with the status the call ended with, or what the closures throw.
    public func bidiStreaming<Input: RPCMessage, Output: RPCMessage, Result: Sendable>(
        _ method: MethodDescriptor,
        options: CallOptions = .defaults,
        requests: @escaping @Sendable (RPCWriter<Input>) async throws -> Void,
        _ body: (RPCMessageStream<Output>) async throws -> Result
    ) async throws -> Result {
        try await withStream(method, options: options) { stream in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await requests(RPCWriter(sink: stream))
                    try await stream.closeSend()
                }
                let result = try await body(RPCMessageStream(source: stream))
                try await group.waitForAll()
                return result
            }
        }
    }

    private static func singleResponse<Output: RPCMessage>(from stream: any RPCClientStream) async throws -> Output {
        guard let bytes = try await stream.nextMessage() else {
            throw RPCError(code: .internal, message: "The server ended a unary call with OK but sent no response message.")
        }
        guard try await stream.nextMessage() == nil else {
            throw RPCError(code: .internal, message: "The server sent more than one response message for a unary call.")
        }
        do {
            return try Output(serializedBytes: bytes)
        } catch {
            throw RPCError(code: .internal, message: "The response is not a valid \(Output.self): \(error)", cause: error)
        }
    }
}
