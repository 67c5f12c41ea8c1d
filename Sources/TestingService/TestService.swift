internal import Protos
public import RPCCore
internal import Synchronization

/// `voiceshop.testing.v1.TestService`: the service the interop tests and benchmarks call.
/// Its behaviour is driven by each request (see proto/testing/v1/testing.proto).
public final class TestService: RegistrableRPCService, Sendable {
    private let cancelled = Atomic<Int64>(0)
    private let completed = Atomic<Int64>(0)

    /// Creates the service.
    public init() {}

    public func registerMethods(with router: inout RPCRouter) {
        typealias Methods = TestingV1.TestService.Method
        // Echo runs on the event loop: it is the benchmark's hot path.
        router.registerInline(Methods.Echo.descriptor) { (request: TestingV1.EchoRequest, _) in
            TestingV1.EchoReply(payload: request.payload)
        }
        router.registerUnary(Methods.Unary.descriptor) { request, context in
            try await self.track {
                try await self.prepare(request, context)
                return self.response(to: request, index: 0, context: context)
            }
        }
        router.registerServerStreaming(Methods.ServerStream.descriptor) {
            (request: TestingV1.TestRequest, writer: RPCWriter<TestingV1.TestResponse>, context) in
            try await self.track {
                self.echoMetadata(request, context)
                for index in 0..<Int(max(request.responseCount, 0)) {
                    if request.delayMs > 0 { try await Task.sleep(for: .milliseconds(Int(request.delayMs))) }
                    try await writer.write(self.response(to: request, index: Int32(index), context: context))
                }
                try self.failIfAsked(request)
            }
        }
        router.registerClientStreaming(Methods.ClientStream.descriptor) {
            (requests: RPCMessageStream<TestingV1.TestRequest>, context) -> TestingV1.TestResponse in
            try await self.track {
                var payload: [UInt8] = []
                var count: Int32 = 0
                var last = TestingV1.TestRequest()
                for try await request in requests {
                    if count == 0 { self.echoMetadata(request, context) }
                    payload += request.payload
                    count += 1
                    last = request
                }
                try self.failIfAsked(last)
                return TestingV1.TestResponse(
                    payload: payload, index: count, deadlineRemainingMs: self.remaining(context), requestID: context.requestID)
            }
        }
        router.registerBidiStreaming(Methods.Bidi.descriptor) {
            (requests: RPCMessageStream<TestingV1.TestRequest>, writer: RPCWriter<TestingV1.TestResponse>, context) in
            try await self.track {
                var index: Int32 = 0
                for try await request in requests {
                    if index == 0 { self.echoMetadata(request, context) }
                    try self.failIfAsked(request)
                    if request.delayMs > 0 { try await Task.sleep(for: .milliseconds(Int(request.delayMs))) }
                    try await writer.write(self.response(to: request, index: index, context: context))
                    index += 1
                }
            }
        }
        router.registerInline(Methods.GetStats.descriptor) { (_: TestingV1.StatsRequest, _) in
            TestingV1.Stats(
                cancelledCalls: self.cancelled.load(ordering: .relaxed),
                completedCalls: self.completed.load(ordering: .relaxed))
        }
    }

    /// Counts how a call ended: cancelled (the handler saw cancellation) or completed.
    private func track<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            completed.add(1, ordering: .relaxed)
            return result
        } catch {
            if error is CancellationError || Task.isCancelled {
                cancelled.add(1, ordering: .relaxed)
            } else {
                completed.add(1, ordering: .relaxed)
            }
            throw error
        }
    }

    private func prepare(_ request: TestingV1.TestRequest, _ context: ServerContext) async throws {
        echoMetadata(request, context)
        if request.delayMs > 0 { try await Task.sleep(for: .milliseconds(Int(request.delayMs))) }
        try failIfAsked(request)
    }

    private func failIfAsked(_ request: TestingV1.TestRequest) throws {
        guard request.statusCode != 0 else { return }
        guard let code = StatusCode(rawValue: Int(request.statusCode)) else {
            throw RPCError(code: .invalidArgument, message: "status_code \(request.statusCode) is not a gRPC status code.")
        }
        throw RPCError(code: code, message: request.statusMessage)
    }

    /// Copies `x-echo-*` request metadata into the response headers, and into the trailers
    /// with `-trailer` added before any `-bin` suffix.
    private func echoMetadata(_ request: TestingV1.TestRequest, _ context: ServerContext) {
        guard request.echoMetadata else { return }
        var initial = Metadata()
        var trailing = Metadata()
        for element in context.metadata where element.key.hasPrefix("x-echo-") {
            let binary = element.key.hasSuffix("-bin")
            let base = binary ? String(element.key.dropLast(4)) : element.key
            switch element.value {
            case .string(let value):
                initial.add(element.key, value)
                trailing.add(base + "-trailer", value)
            case .binary(let bytes):
                initial.add(element.key, binary: bytes)
                trailing.add(base + "-trailer-bin", binary: bytes)
            }
        }
        context.response.addInitial(contentsOf: initial)
        context.response.addTrailing(contentsOf: trailing)
    }

    private func response(to request: TestingV1.TestRequest, index: Int32, context: ServerContext) -> TestingV1.TestResponse {
        let payload = request.responseSize > 0 ? [UInt8](repeating: 0x61, count: Int(request.responseSize)) : request.payload
        return TestingV1.TestResponse(
            payload: payload, index: index, deadlineRemainingMs: remaining(context), requestID: context.requestID)
    }

    private func remaining(_ context: ServerContext) -> Int64 {
        guard let remaining = context.remainingTime else { return -1 }
        let (seconds, attoseconds) = remaining.components
        return max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
