import Protos
import RPCCore
import RPCHTTP2Transport
import Testing

/// The Swift client against a stock gRPC server (Python grpcio).
@Suite(.serialized) struct SwiftClientToGRPCIOTests {
    typealias Methods = TestingV1.TestService.Method

    private func withPythonServer(_ body: (TestingV1.TestService.Client, HTTP2Channel) async throws -> Void) async throws {
        let server = try await PythonServerProcess.start()
        var configuration = HTTP2ClientConfiguration()
        configuration.maxReceiveMessageBytes = 64 << 20
        let channel = try HTTP2Channel(target: server.address, configuration: configuration)
        do {
            try await body(TestingV1.TestService.Client(channel: channel), channel)
        } catch {
            channel.close()
            _ = await server.stop()
            throw error
        }
        channel.close()
        #expect(await server.stop() == 0, "py_server.py exits 0 on SIGTERM")
    }

    @Test func allCallKindsMetadataErrorsDeadlinesAndHealth() async throws {
        try await withPythonServer { client, channel in
            // Unary with metadata round trip and request id.
            var metadata: Metadata = ["x-echo-color": "red", "x-request-id": "swift-1"]
            metadata.add("x-echo-raw-bin", binary: [0, 1, 255])
            let response: RPCResponse<TestingV1.TestResponse> = try await channel.unaryCall(
                Methods.Unary.descriptor,
                request: TestingV1.TestRequest(payload: Array("hi".utf8), echoMetadata: true),
                options: CallOptions(metadata: metadata))
            #expect(response.message.payload == Array("hi".utf8))
            #expect(response.message.requestID == "swift-1")
            #expect(response.initialMetadata["x-echo-color"] == "red")
            #expect(response.initialMetadata.values(for: "x-echo-raw-bin") == [.binary([0, 1, 255])])
            #expect(response.trailingMetadata["x-echo-color-trailer"] == "red")
            #expect(response.trailingMetadata.values(for: "x-echo-raw-trailer-bin") == [.binary([0, 1, 255])])

            // Server streaming.
            let indices = try await client.serverStream(TestingV1.TestRequest(responseCount: 5)) { stream in
                var out: [Int32] = []
                for try await message in stream { out.append(message.index) }
                return out
            }
            #expect(indices == [0, 1, 2, 3, 4])

            // Client streaming.
            let summary = try await client.clientStream { writer in
                for byte in Array("abc".utf8) { try await writer.write(TestingV1.TestRequest(payload: [byte])) }
            }
            #expect(summary.payload == Array("abc".utf8))
            #expect(summary.index == 3)

            // Bidi, interleaved.
            let echoed = try await client.bidi(requests: { writer in
                for i in 0..<4 { try await writer.write(TestingV1.TestRequest(payload: [UInt8(i)])) }
            }) { stream in
                var out: [UInt8] = []
                for try await message in stream { out += message.payload }
                return out
            }
            #expect(echoed == [0, 1, 2, 3])

            // An error with a non-ASCII message and a newline.
            let text = "Größe nicht gefunden\nzweite Zeile ✓"
            let error = await #expect(throws: RPCError.self) {
                _ = try await client.unary(TestingV1.TestRequest(statusCode: 5, statusMessage: text))
            }
            #expect(error?.code == .notFound)
            #expect(error?.message == text)

            // A deadline that expires.
            let expired = await #expect(throws: RPCError.self) {
                _ = try await client.unary(TestingV1.TestRequest(delayMs: 2000), options: CallOptions(timeout: .milliseconds(200)))
            }
            #expect(expired?.code == .deadlineExceeded)

            // The server sees the deadline we send.
            let timed = try await client.unary(TestingV1.TestRequest(), options: CallOptions(timeout: .seconds(5)))
            #expect(timed.deadlineRemainingMs > 0 && timed.deadlineRemainingMs <= 5100)

            // A 4 MB message both ways, and one over the server's 4 MiB limit.
            let big = try await client.unary(TestingV1.TestRequest(payload: [UInt8](repeating: 1, count: 4_000_000)))
            #expect(big.payload.count == 4_000_000)
            let tooBig = await #expect(throws: RPCError.self) {
                _ = try await client.unary(TestingV1.TestRequest(payload: [UInt8](repeating: 1, count: 5 << 20)))
            }
            #expect(tooBig?.code == .resourceExhausted)

            // Health.
            let health = HealthV1.Health.Client(channel: channel)
            #expect(try await health.check(HealthV1.HealthCheckRequest()).status == .serving)
            let unknown = await #expect(throws: RPCError.self) {
                _ = try await health.check(HealthV1.HealthCheckRequest(service: "no.such.Service"))
            }
            #expect(unknown?.code == .notFound)
        }
    }

    @Test func cancellationMidStreamReachesTheServer() async throws {
        try await withPythonServer { client, _ in
            let before = try await client.getStats(TestingV1.StatsRequest()).cancelledCalls
            let received = try await client.serverStream(TestingV1.TestRequest(responseCount: 1000, delayMs: 10)) { stream in
                var count = 0
                for try await _ in stream {
                    count += 1
                    if count == 3 { break }
                }
                return count
            }
            #expect(received == 3)
            var after = before
            for _ in 0..<100 where after == before {
                try await Task.sleep(for: .milliseconds(50))
                after = try await client.getStats(TestingV1.StatsRequest()).cancelledCalls
            }
            #expect(after == before + 1)
        }
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        try await withPythonServer { _, channel in
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.unary(
                    MethodDescriptor(service: "voiceshop.testing.v1.TestService", method: "Nope"), request: RawMessage([]))
            }
            #expect(error?.code == .unimplemented)
        }
    }
}
