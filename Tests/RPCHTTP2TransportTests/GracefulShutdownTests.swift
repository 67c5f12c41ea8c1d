import RPCCore
import RPCHTTP2Transport
import ServiceRuntime
import Synchronization
import Testing

@Suite struct GracefulShutdownTests {
    @Test func callsInFlightFinishAndRunReturns() async throws {
        let service = RawEchoService()
        let server = try HTTP2Server(
            configuration: HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 2),
            services: [service],
            logger: Logger(service: "test", minimumLevel: .error)
        )
        let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)")
        defer { channel.close() }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await server.run()
                return true
            }
            for _ in 0..<10 {
                group.addTask {
                    let reply: RawMessage = try await channel.unary(RawEchoService.sleep, request: RawMessage([30]))
                    return reply.bytes.count == 4
                }
            }
            try await waitUntil { service.counters.started.load(ordering: .relaxed) == 10 }
            server.beginGracefulShutdown()
            var finished = 0
            for try await ok in group where ok { finished += 1 }
            #expect(finished == 11)
        }
        #expect(service.counters.cancelled.load(ordering: .relaxed) == 0)
        let error = await #expect(throws: RPCError.self) {
            let _: RawMessage = try await channel.unary(RawEchoService.inline, request: RawMessage([1]))
        }
        #expect(error?.code == .unavailable)
    }

    @Test func gracePeriodCancelsStragglers() async throws {
        let service = RawEchoService()
        var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
        configuration.shutdownGracePeriod = .milliseconds(200)
        let server = try HTTP2Server(configuration: configuration, services: [service], logger: Logger(service: "test", minimumLevel: .error))
        let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)")
        defer { channel.close() }
        let clock = ContinuousClock()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.addTask {
                let error = await #expect(throws: RPCError.self) {
                    let _: RawMessage = try await channel.unary(RawEchoService.sleep, request: RawMessage([250]))
                }
                #expect(error?.code == .unavailable)
            }
            try await waitUntil { service.counters.started.load(ordering: .relaxed) == 1 }
            let start = clock.now
            server.beginGracefulShutdown()
            try await group.waitForAll()
            #expect(clock.now - start < .seconds(2))
        }
        #expect(service.counters.cancelled.load(ordering: .relaxed) == 1)
    }
}
