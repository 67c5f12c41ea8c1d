import RPCCore
import RPCHTTP2Transport
import Testing

@Suite struct ClientServerTests {
    @Test func unaryInlineAndPooled() async throws {
        try await withServerAndChannel { _, channel in
            for method in [RawEchoService.inline, RawEchoService.pooled] {
                let reply: RawMessage = try await channel.unary(method, request: RawMessage([1, 2, 3]))
                #expect(reply.bytes == [1, 2, 3])
            }
            let empty: RawMessage = try await channel.unary(RawEchoService.inline, request: RawMessage([]))
            #expect(empty.bytes.isEmpty)
        }
    }

    @Test func serverStreamingDeliversEveryMessageInOrder() async throws {
        try await withServerAndChannel { _, channel in
            let received = try await channel.serverStreaming(RawEchoService.serverStream, request: RawMessage([50])) {
                (stream: RPCMessageStream<RawMessage>) in
                var out: [UInt8] = []
                for try await message in stream { out += message.bytes }
                return out
            }
            #expect(received == Array(0..<50))
        }
    }

    @Test func bidiEchoesEachMessage() async throws {
        try await withServerAndChannel { _, channel in
            let received = try await channel.bidiStreaming(
                RawEchoService.bidi,
                requests: { (writer: RPCWriter<RawMessage>) in
                    for i in 0..<20 { try await writer.write(RawMessage([UInt8(i)])) }
                }
            ) { (stream: RPCMessageStream<RawMessage>) in
                var out: [UInt8] = []
                for try await message in stream { out += message.bytes }
                return out
            }
            #expect(received == Array(0..<20))
        }
    }

    @Test func errorStatusCarriesNonASCIIMessage() async throws {
        try await withServerAndChannel { _, channel in
            let text = "Größe fehlt\nzweite Zeile ✓ 100%"
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.unary(RawEchoService.fail, request: RawMessage(Array(text.utf8)))
            }
            #expect(error?.code == .notFound)
            #expect(error?.message == text)
        }
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        try await withServerAndChannel { _, channel in
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.unary(MethodDescriptor(service: "test.Raw", method: "Nope"), request: RawMessage([]))
            }
            #expect(error?.code == .unimplemented, "\(String(describing: error))")
        }
    }

    @Test func largeMessagesAndTheLimit() async throws {
        try await withServerAndChannel { _, channel in
            let big = RawMessage([UInt8](repeating: 7, count: 4 << 20 - 16))
            let reply: RawMessage = try await channel.unary(RawEchoService.pooled, request: big)
            #expect(reply.bytes.count == big.bytes.count)
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.unary(RawEchoService.pooled, request: RawMessage([UInt8](repeating: 1, count: 5 << 20)))
            }
            #expect(error?.code == .resourceExhausted)
        }
    }

    @Test func manyConcurrentCallsMultiplex() async throws {
        try await withServerAndChannel { _, channel in
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<300 {
                    group.addTask {
                        let method = i % 2 == 0 ? RawEchoService.inline : RawEchoService.pooled
                        let reply: RawMessage = try await channel.unary(method, request: RawMessage([UInt8(i % 256)]))
                        return reply.bytes == [UInt8(i % 256)]
                    }
                }
                var ok = 0
                for try await result in group where result { ok += 1 }
                #expect(ok == 300)
            }
        }
    }
}
