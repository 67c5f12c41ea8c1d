import RPCCore
import RPCHTTP2Transport
import Synchronization
import Testing

/// Fails the first `failures` calls of each method with UNAVAILABLE, then succeeds.
final class FlakyService: RegistrableRPCService, Sendable {
    static let idempotent = MethodDescriptor(service: "test.Flaky", method: "Read", isIdempotent: true)
    static let sideEffect = MethodDescriptor(service: "test.Flaky", method: "Write")
    let failures: Int
    let calls = Atomic<Int>(0)

    init(failures: Int) { self.failures = failures }

    func registerMethods(with router: inout RPCRouter) {
        for method in [Self.idempotent, Self.sideEffect] {
            router.registerUnary(method) { (request: RawMessage, _) -> RawMessage in
                let n = self.calls.add(1, ordering: .relaxed).newValue
                guard n > self.failures else { throw RPCError(code: .unavailable, message: "warming up (\(n))") }
                return request
            }
        }
    }
}

@Suite struct RetryTests {
    @Test func idempotentCallsAreRetriedOnUnavailable() async throws {
        let service = FlakyService(failures: 2)
        try await withServerAndChannel(services: [service]) { _, channel in
            let reply: RawMessage = try await channel.unary(FlakyService.idempotent, request: RawMessage([42]))
            #expect(reply.bytes == [42])
            #expect(service.calls.load(ordering: .relaxed) == 3)
        }
    }

    @Test func nonIdempotentCallsAreNotRetried() async throws {
        let service = FlakyService(failures: 1)
        try await withServerAndChannel(services: [service]) { _, channel in
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.unary(FlakyService.sideEffect, request: RawMessage([1]))
            }
            #expect(error?.code == .unavailable)
            #expect(service.calls.load(ordering: .relaxed) == 1)
        }
    }

    @Test func retriesStopAtMaxAttempts() async throws {
        let service = FlakyService(failures: 10)
        var configuration = HTTP2ClientConfiguration()
        configuration.maxAttempts = 3
        try await withServerAndChannel(services: [service], client: configuration) { _, channel in
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.unary(FlakyService.idempotent, request: RawMessage([1]))
            }
            #expect(error?.code == .unavailable)
            #expect(service.calls.load(ordering: .relaxed) == 3)
        }
    }

    @Test func callsToANameThatDoesNotResolveFailClearly() async throws {
        var configuration = HTTP2ClientConfiguration()
        configuration.maxAttempts = 1
        let channel = try HTTP2Channel(target: "no-such-host.invalid:1", configuration: configuration)
        defer { channel.close() }
        let error = await #expect(throws: RPCError.self) {
            let _: RawMessage = try await channel.unary(FlakyService.idempotent, request: RawMessage([1]))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("no-such-host.invalid") == true)
    }
}
