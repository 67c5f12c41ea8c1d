import RPCCore
import RPCHTTP2Transport
import Synchronization
import Testing

@Suite struct FlowControlTests {
    @Test func slowReaderHoldsBackTheWriter() async throws {
        let service = RawEchoService()
        try await withServerAndChannel(services: [service]) { _, channel in
            let total = try await channel.serverStreaming(RawEchoService.flood, request: RawMessage([200])) {
                (stream: RPCMessageStream<RawMessage>) -> Int in
                var iterator = stream.makeAsyncIterator()
                var bytes = try await iterator.next()?.bytes.count ?? 0
                // Stop reading: the handler may only run ahead by the bounded buffers (client
                // inbox, the HTTP/2 stream window, the server outbox: about 3 MiB, 48 messages).
                try await Task.sleep(for: .milliseconds(300))
                let writtenWhilePaused = service.counters.written.load(ordering: .relaxed)
                #expect(writtenWhilePaused < 80, "the writer ran \(writtenWhilePaused) messages ahead")
                while let message = try await iterator.next() { bytes += message.bytes.count }
                return bytes
            }
            #expect(total == 200 * (64 << 10))
            #expect(service.counters.written.load(ordering: .relaxed) == 200)
        }
    }

    @Test func fastWriterToSlowServerIsHeldBack() async throws {
        // Client streaming the other way: the server's handler reads slowly.
        let service = SlowSink()
        try await withServerAndChannel(services: [service]) { _, channel in
            let reply: RawMessage = try await channel.clientStreaming(SlowSink.method) { writer in
                let chunk = RawMessage([UInt8](repeating: 1, count: 64 << 10))
                for _ in 0..<120 {
                    try await writer.write(chunk)
                    service.clientSent.add(1, ordering: .relaxed)
                }
            }
            #expect(reply.bytes == [120])
            // While the handler slept after its first message, the client's writes were held
            // back by the bounded buffers (server inbox, stream window, client outbox).
            let ahead = service.sentWhileAsleep.load(ordering: .relaxed)
            #expect(ahead > 1 && ahead < 80, "the client wrote \(ahead) messages while the server slept")
        }
    }
}

/// Reads a client stream slowly and records how far the client got ahead of it.
final class SlowSink: RegistrableRPCService, Sendable {
    static let method = MethodDescriptor(service: "test.Slow", method: "Sink", kind: .clientStreaming)
    /// Incremented by the test's client for each message written.
    let clientSent = Atomic<Int>(0)
    /// How many the client had written when the handler woke from its pause.
    let sentWhileAsleep = Atomic<Int>(0)

    func registerMethods(with router: inout RPCRouter) {
        router.registerClientStreaming(Self.method) { (requests: RPCMessageStream<RawMessage>, _) -> RawMessage in
            var count = 0
            for try await _ in requests {
                count += 1
                if count == 1 {
                    try await Task.sleep(for: .milliseconds(300))
                    self.sentWhileAsleep.store(self.clientSent.load(ordering: .relaxed), ordering: .relaxed)
                }
            }
            return RawMessage([UInt8(count)])
        }
    }
}
