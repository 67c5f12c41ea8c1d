import RPCCore

/// An `RPCChannel` that runs the router's handlers in-process, for testing generated clients
/// and service protocols without a transport.
struct LoopbackChannel: RPCChannel {
    let router: RPCRouter

    init(serving services: [any RegistrableRPCService]) {
        var router = RPCRouter()
        for service in services { service.registerMethods(with: &router) }
        self.router = router
    }

    func withStream<Result: Sendable>(
        _ method: MethodDescriptor,
        options: CallOptions,
        _ body: (any RPCClientStream) async throws -> Result
    ) async throws -> Result {
        guard let handler = router.handler(forPath: method.path) else {
            throw RPCError(code: .unimplemented, message: "\(method.path) is not served")
        }
        let requests = MessageQueue()
        let responses = MessageQueue()
        let context = ServerContext(
            method: method,
            metadata: options.metadata,
            deadline: nil,
            requestID: "loopback",
            traceParent: nil,
            peer: "loopback"
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    switch handler.body {
                    case .inlineUnary(let run):
                        let request = try await requests.nextMessage() ?? []
                        var response: [UInt8] = []
                        try request.withUnsafeBytes { try run($0, context, &response) }
                        try await responses.write(response)
                    case .pooled(let run):
                        try await run(requests, responses, context)
                    }
                    await responses.finish(throwing: nil)
                } catch {
                    await responses.finish(throwing: error)
                }
            }
            let result = try await body(LoopbackStream(requests: requests, responses: responses))
            try await group.waitForAll()
            return result
        }
    }
}

/// One direction of a loopback call.
actor MessageQueue: RPCMessageSource, RPCMessageSink {
    private var buffered: [[UInt8]] = []
    private var finished = false
    private var failure: (any Error)?
    private var waiter: CheckedContinuation<[UInt8]?, any Error>?

    func write(_ message: [UInt8]) async throws {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: message)
        } else {
            buffered.append(message)
        }
    }

    func finish(throwing error: (any Error)?) {
        finished = true
        failure = error
        if let waiter {
            self.waiter = nil
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    func nextMessage() async throws -> [UInt8]? {
        if !buffered.isEmpty { return buffered.removeFirst() }
        if finished {
            if let failure { throw failure }
            return nil
        }
        return try await withCheckedThrowingContinuation { waiter = $0 }
    }
}

/// The client's end of a loopback call.
struct LoopbackStream: RPCClientStream {
    let requests: MessageQueue
    let responses: MessageQueue

    func nextMessage() async throws -> [UInt8]? { try await responses.nextMessage() }
    func write(_ message: [UInt8]) async throws { try await requests.write(message) }
    func closeSend() async throws { await requests.finish(throwing: nil) }
    func initialMetadata() async throws -> Metadata { [:] }
    func trailingMetadata() async -> Metadata { [:] }
}
