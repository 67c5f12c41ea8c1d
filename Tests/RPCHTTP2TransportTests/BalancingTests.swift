import RPCCore
import RPCHTTP2Transport
import ServiceRuntime
import Synchronization
import Testing

/// Answers with a fixed id, so the test sees which server served a call.
struct IdentifyService: RegistrableRPCService {
    static let who = MethodDescriptor(service: "test.Identify", method: "Who", isIdempotent: true)
    let id: UInt8
    func registerMethods(with router: inout RPCRouter) {
        let id = self.id
        router.registerUnary(Self.who) { (_: RawMessage, _) in RawMessage([id]) }
    }
}

/// A server with an identity, run until `stop()`.
final class RunningServer: Sendable {
    let server: HTTP2Server
    init(id: UInt8, port: Int = 0) throws {
        server = try HTTP2Server(
            configuration: HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: port), eventLoops: 1),
            services: [IdentifyService(id: id)],
            logger: Logger(service: "test", minimumLevel: .error)
        )
    }
    var address: String { "127.0.0.1:\(server.listeningAddress.port)" }
}

@Suite struct BalancingTests {
    private func who(_ channel: HTTP2Channel) async throws -> UInt8 {
        let reply: RawMessage = try await channel.unary(IdentifyService.who, request: RawMessage([]))
        return reply.bytes[0]
    }

    @Test(arguments: [HTTP2ClientConfiguration.LoadBalancing.roundRobin, .leastOutstanding])
    func spreadsCallsOverEveryServer(policy: HTTP2ClientConfiguration.LoadBalancing) async throws {
        let servers = try (1...3).map { try RunningServer(id: UInt8($0)) }
        var configuration = HTTP2ClientConfiguration()
        configuration.loadBalancing = policy
        let channel = try HTTP2Channel(target: servers.map(\.address).joined(separator: ","), configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for server in servers { group.addTask { try await server.server.run() } }
            var seen: [UInt8: Int] = [:]
            for _ in 0..<60 { seen[try await who(channel), default: 0] += 1 }
            #expect(Set(seen.keys) == [1, 2, 3])
            if policy == .roundRobin { #expect(seen.values.allSatisfy { $0 >= 10 }, "\(seen)") }
            channel.close()
            for server in servers { server.server.beginGracefulShutdown() }
        }
    }

    @Test func deadServerIsEjectedAndCallsStillSucceed() async throws {
        let live = try RunningServer(id: 1)
        // A port with nothing listening: bind, read the port, and shut down without serving.
        let dead = try RunningServer(id: 2)
        let deadAddress = dead.address
        let deadRun = Task { try await dead.server.run() }
        dead.server.beginGracefulShutdown()
        try await deadRun.value
        let channel = try HTTP2Channel(target: "\(live.address),\(deadAddress)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await live.server.run() }
            for _ in 0..<20 {
                let id = try await who(channel)
                #expect(id == 1)
            }
            channel.close()
            live.server.beginGracefulShutdown()
        }
    }

    @Test func recoveredServerIsUsedAgain() async throws {
        let first = try RunningServer(id: 1)
        var configuration = HTTP2ClientConfiguration()
        configuration.ejectionBase = .milliseconds(50)
        configuration.maxEjection = .milliseconds(100)
        // Reserve a port for the second server, then free it so it starts dead.
        let probe = try RunningServer(id: 9)
        let port = probe.server.listeningAddress.port
        let probeRun = Task { try await probe.server.run() }
        probe.server.beginGracefulShutdown()
        try await probeRun.value
        let channel = try HTTP2Channel(target: "\(first.address),127.0.0.1:\(port)", configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.server.run() }
            for _ in 0..<10 {
                let id = try await who(channel)
                #expect(id == 1)
            }
            let second = try RunningServer(id: 2, port: port)
            group.addTask { try await second.server.run() }
            var sawSecond = false
            for _ in 0..<200 where !sawSecond {
                sawSecond = try await who(channel) == 2
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(sawSecond)
            channel.close()
            first.server.beginGracefulShutdown()
            second.server.beginGracefulShutdown()
        }
    }

    @Test func reResolutionPicksUpNewAddresses() async throws {
        let servers = try (1...2).map { try RunningServer(id: UInt8($0)) }
        let box = PublishedAddresses([try HostPort(parsing: servers[0].address)])
        var configuration = HTTP2ClientConfiguration()
        configuration.resolveInterval = .milliseconds(50)
        configuration.resolver = { _ in box.current }
        let channel = try HTTP2Channel(target: "rec-svc.voiceshop.svc:50051", configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for server in servers { group.addTask { try await server.server.run() } }
            for _ in 0..<5 {
                let id = try await who(channel)
                #expect(id == 1)
            }
            box.set([try HostPort(parsing: servers[0].address), try HostPort(parsing: servers[1].address)])
            try await Task.sleep(for: .milliseconds(80))
            var seen = Set<UInt8>()
            for _ in 0..<20 { seen.insert(try await who(channel)) }
            #expect(seen == [1, 2])
            channel.close()
            for server in servers { server.server.beginGracefulShutdown() }
        }
    }

    @Test func localhostResolvesThroughTheSystemResolver() async throws {
        let server = try RunningServer(id: 7)
        let channel = try HTTP2Channel(target: "localhost:\(server.server.listeningAddress.port)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.server.run() }
            let id = try await who(channel)
            #expect(id == 7)
            channel.close()
            server.server.beginGracefulShutdown()
        }
    }
}

/// What a fake DNS answers, changed by the test.
final class PublishedAddresses: Sendable {
    private let published: Mutex<[HostPort]>
    init(_ addresses: [HostPort]) { published = Mutex(addresses) }
    var current: [HostPort] { published.withLock { $0 } }
    func set(_ addresses: [HostPort]) { published.withLock { $0 = addresses } }
}
