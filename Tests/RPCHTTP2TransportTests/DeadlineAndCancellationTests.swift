import RPCCore
import RPCHTTP2Transport
import Synchronization
import Testing

@Suite struct DeadlineAndCancellationTests {
    @Test func deadlineExpiresOnTheServerAndTheClient() async throws {
        let service = RawEchoService()
        try await withServerAndChannel(services: [service]) { server, channel in
            // Connected first: on a loaded machine, connecting could use up the 2 s deadline
            // before the call reaches the server at all.
            let _: RawMessage = try await channel.unary(RawEchoService.sleep, request: RawMessage([0]))
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.unary(
                    RawEchoService.sleep, request: RawMessage([0x1F, 0x40]), options: CallOptions(timeout: .seconds(2)))
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(clock.now - start < .seconds(6))
            // The server saw the deadline: it ended the call, and cancelled the handler if the
            // handler had started (on a loaded machine the deadline may pass before it does).
            try await waitUntil("the server counts one cancelled call (\(server.statistics.cancelledCalls) so far)") {
                server.statistics.cancelledCalls == 1
            }
            try await waitUntil("every handler that started was cancelled") {
                service.counters.started.load(ordering: .relaxed) - 1 == service.counters.cancelled.load(ordering: .relaxed)
            }
            #expect(server.statistics.completedCalls == 1)  // the first call
        }
    }

    @Test func serverSeesTheRemainingDeadline() async throws {
        try await withServerAndChannel { _, channel in
            let reply: RawMessage = try await channel.unary(
                RawEchoService.sleep, request: RawMessage([0]), options: CallOptions(timeout: .seconds(20)))
            let remaining = reply.bytes.withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(as: Int32.self)) }
            #expect(remaining > 10_000 && remaining <= 20_000)
            let none: RawMessage = try await channel.unary(RawEchoService.sleep, request: RawMessage([0]))
            #expect(none.bytes == [255, 255, 255, 255])
        }
    }

    @Test func deadlinePropagatesToDownstreamCalls() async throws {
        try await withServerAndChannel { _, channel in
            // Connected first, as above: connecting on a loaded machine must not use up the 3 s.
            let _: RawMessage = try await channel.unary(RawEchoService.sleep, request: RawMessage([0]))
            // A server-side context with 3 s left: a call made inside it inherits the deadline.
            let context = ServerContext(
                method: RawEchoService.sleep, metadata: [:], deadline: .now + .seconds(3),
                requestID: "req-1", traceParent: nil, peer: "test")
            let reply: RawMessage = try await ServerContext.$current.withValue(context) {
                try await channel.unary(RawEchoService.sleep, request: RawMessage([0]), options: CallOptions(timeout: .seconds(10)))
            }
            let remaining = reply.bytes.withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(as: Int32.self)) }
            #expect(remaining > 0 && remaining <= 3000)
        }
    }

    @Test func clientCancellationResetsTheStream() async throws {
        let service = RawEchoService()
        try await withServerAndChannel(services: [service]) { server, channel in
            let received = try await channel.serverStreaming(RawEchoService.slowStream, request: RawMessage([200])) {
                (stream: RPCMessageStream<RawMessage>) in
                var count = 0
                for try await _ in stream {
                    count += 1
                    if count == 3 { break }
                }
                return count
            }
            #expect(received == 3)
            try await waitUntil { service.counters.cancelled.load(ordering: .relaxed) == 1 }
            try await waitUntil { server.statistics.cancelledCalls >= 1 }
        }
    }

    @Test func cancellingTheCallingTaskCancelsTheCall() async throws {
        let service = RawEchoService()
        try await withServerAndChannel(services: [service]) { _, channel in
            let task = Task {
                let _: RawMessage = try await channel.unary(RawEchoService.sleep, request: RawMessage([200]))
            }
            try await waitUntil { service.counters.started.load(ordering: .relaxed) == 1 }
            task.cancel()
            let result = await task.result
            #expect(throws: RPCError.self) { try result.get() }
            try await waitUntil { service.counters.cancelled.load(ordering: .relaxed) == 1 }
        }
    }
}

/// Polls `condition` every 10 ms for up to 10 s.
func waitUntil(
    _ what: String = "condition", _ condition: () -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    for _ in 0..<1000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("\(what): not met within 10 s", sourceLocation: sourceLocation)
}
