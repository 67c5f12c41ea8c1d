import RPCCore
import RPCHTTP2Transport
import Synchronization
import Testing

@Suite struct HandlerPoolTests {
    @Test func fullPoolAnswersResourceExhaustedAndRecovers() async throws {
        let service = RawEchoService()
        try await withServerAndChannel(services: [service], configure: { $0.maxConcurrentHandlers = 2 }) { server, channel in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let _: RawMessage = try await channel.unary(RawEchoService.sleep, request: RawMessage([0x01, 0xF4]))
                    }
                }
                try await waitUntil("both slow calls run") { service.counters.started.load(ordering: .relaxed) == 2 }
                // The pool is full: a third pooled call is refused at once, not queued.
                let error = await #expect(throws: RPCError.self) {
                    let _: RawMessage = try await channel.unary(RawEchoService.pooled, request: RawMessage([1]))
                }
                #expect(error?.code == .resourceExhausted)
                #expect(error?.message.contains("busy") == true)
                // Inline handlers do not use the pool: they are still served.
                let inline: RawMessage = try await channel.unary(RawEchoService.inline, request: RawMessage([2]))
                #expect(inline.bytes == [2])
                try await group.waitForAll()
            }
            #expect(server.statistics.rejectedCalls == 1)
            let after: RawMessage = try await channel.unary(RawEchoService.pooled, request: RawMessage([3]))
            #expect(after.bytes == [3])
        }
    }
}
