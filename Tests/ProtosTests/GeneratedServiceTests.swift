import Protos
import RPCCore
import Testing

/// A TestService implementation written against the generated ServiceProtocol.
private struct TestServiceImplementation: TestingV1.TestService.ServiceProtocol {
    func echo(request: TestingV1.EchoRequest, context: ServerContext) async throws -> TestingV1.EchoReply {
        TestingV1.EchoReply(payload: request.payload)
    }

    func unary(request: TestingV1.TestRequest, context: ServerContext) async throws -> TestingV1.TestResponse {
        if request.statusCode != 0 {
            throw RPCError(code: .notFound, message: request.statusMessage)
        }
        return TestingV1.TestResponse(payload: request.payload, requestID: context.requestID)
    }

    func serverStream(
        request: TestingV1.TestRequest,
        writer: RPCWriter<TestingV1.TestResponse>,
        context: ServerContext
    ) async throws {
        for index in 0..<request.responseCount {
            try await writer.write(TestingV1.TestResponse(payload: request.payload, index: index))
        }
    }

    func clientStream(
        requests: RPCMessageStream<TestingV1.TestRequest>,
        context: ServerContext
    ) async throws -> TestingV1.TestResponse {
        var response = TestingV1.TestResponse()
        for try await request in requests {
            response.payload += request.payload
            response.index += 1
        }
        return response
    }

    func bidi(
        requests: RPCMessageStream<TestingV1.TestRequest>,
        writer: RPCWriter<TestingV1.TestResponse>,
        context: ServerContext
    ) async throws {
        var index: Int32 = 0
        for try await request in requests {
            try await writer.write(TestingV1.TestResponse(payload: request.payload.reversed(), index: index))
            index += 1
        }
    }

    func getStats(request: TestingV1.StatsRequest, context: ServerContext) async throws -> TestingV1.Stats {
        TestingV1.Stats(cancelledCalls: 0, completedCalls: 42)
    }
}

@Suite("Generated clients and service protocols")
struct GeneratedServiceTests {
    private let client = TestingV1.TestService.Client(channel: LoopbackChannel(serving: [TestServiceImplementation()]))

    @Test("The default registerMethods registers every method with its descriptor")
    func registration() {
        var router = RPCRouter()
        TestServiceImplementation().registerMethods(with: &router)
        #expect(router.methods == TestingV1.TestService.Method.descriptors.sorted { $0.path < $1.path })
        #expect(router.serviceNames == [TestingV1.TestService.serviceName])
    }

    @Test("Unary calls")
    func unary() async throws {
        let reply = try await client.echo(TestingV1.EchoRequest(payload: [1, 2, 3]))
        #expect(reply.payload == [1, 2, 3])
        let stats = try await client.getStats(TestingV1.StatsRequest(), options: CallOptions(timeout: .seconds(5)))
        #expect(stats.completedCalls == 42)
        let response = try await client.unary(TestingV1.TestRequest(payload: [9]))
        #expect(response == TestingV1.TestResponse(payload: [9], requestID: "loopback"))
    }

    @Test("A handler's RPCError reaches the client")
    func errors() async {
        await #expect {
            try await client.unary(TestingV1.TestRequest(statusCode: 5, statusMessage: "no such thing"))
        } throws: { error in
            (error as? RPCError)?.code == .notFound
        }
    }

    @Test("Server-streaming calls")
    func serverStreaming() async throws {
        let indexes = try await client.serverStream(TestingV1.TestRequest(payload: [7], responseCount: 4)) {
            responses in
            var indexes: [Int32] = []
            for try await response in responses {
                #expect(response.payload == [7])
                indexes.append(response.index)
            }
            return indexes
        }
        #expect(indexes == [0, 1, 2, 3])
    }

    @Test("Client-streaming calls")
    func clientStreaming() async throws {
        let response = try await client.clientStream { writer in
            try await writer.write(TestingV1.TestRequest(payload: [1]))
            try await writer.write(contentsOf: [
                TestingV1.TestRequest(payload: [2, 3]), TestingV1.TestRequest(payload: [4]),
            ])
        }
        #expect(response == TestingV1.TestResponse(payload: [1, 2, 3, 4], index: 3))
    }

    @Test("Bidirectional-streaming calls")
    func bidiStreaming() async throws {
        let responses = try await client.bidi { writer in
            for payload: [UInt8] in [[1, 2], [3, 4], [5, 6]] {
                try await writer.write(TestingV1.TestRequest(payload: payload))
            }
        } _: { responses in
            var all: [TestingV1.TestResponse] = []
            for try await response in responses { all.append(response) }
            return all
        }
        #expect(responses.map(\.payload) == [[2, 1], [4, 3], [6, 5]])
        #expect(responses.map(\.index) == [0, 1, 2])
    }

    @Test("Clients of the product services compile against their descriptors")
    func productClients() {
        let channel = LoopbackChannel(serving: [])
        _ = ASRV1.ASR.Client(channel: channel)
        _ = NLUV1.NLU.Client(channel: channel)
        _ = RecV1.Rec.Client(channel: channel)
        _ = RecV1.CatalogAdmin.Client(channel: channel)
        _ = HealthV1.Health.Client(channel: channel)
        #expect(ASRV1.ASR.Method.StreamingRecognize.Input.self == ASRV1.AudioChunk.self)
        #expect(ASRV1.ASR.Method.StreamingRecognize.Output.self == ASRV1.StreamingRecognizeResponse.self)
        #expect(RecV1.Rec.Method.GetProduct.Output.self == RecV1.Product.self)
    }

    @Test("Calling a method nobody serves fails with UNIMPLEMENTED")
    func unimplemented() async {
        let nlu = NLUV1.NLU.Client(channel: LoopbackChannel(serving: []))
        await #expect {
            try await nlu.parse(NLUV1.ParseRequest(text: "hello"))
        } throws: { error in
            (error as? RPCError)?.code == .unimplemented
        }
    }
}
