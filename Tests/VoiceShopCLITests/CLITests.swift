import Protos
import RPCCore
import RPCHTTP2Transport
import ServiceKit
import ServiceRuntime
import Synchronization
import Testing
import TestingService
import VoiceShopCLI

/// Collects what the CLI prints.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite struct CLITests {
    private func withTestServer(_ body: @Sendable (String) async throws -> Void) async throws {
        let health = HealthService(serving: ["voiceshop.testing.v1.TestService"])
        let server = try HTTP2Server(
            configuration: HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1),
            services: [TestService(), health],
            logger: Logger(service: "test", minimumLevel: .error)
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { server.beginGracefulShutdown() }
            try await body("127.0.0.1:\(server.listeningAddress.port)")
        }
    }

    @Test func unaryCallMapsJSONBothWays() async throws {
        try await withTestServer { target in
            let lines = Lines()
            try await CLI.run(
                ["call", target, "voiceshop.testing.v1.TestService/Unary", #"{"payload":"aGk=","responseSize":3}"#, "-H", "x-request-id: cli-1"],
                output: lines.append)
            #expect(lines.all.count == 1)
            let reply = try ProtoJSON.message(TestingV1.TestResponse.self, json: try #require(lines.all.first))
            #expect(reply.payload == Array("aaa".utf8))
            #expect(reply.requestID == "cli-1")
            #expect(reply.deadlineRemainingMs > 0)
        }
    }

    @Test func clientStreamingReadsJSONLines() async throws {
        try await withTestServer { target in
            let lines = Lines()
            try await CLI.run(
                ["call", target, "voiceshop.testing.v1.TestService/ClientStream"],
                input: { "{\"payload\":\"YQ==\"}\n\n{\"payload\":\"Yg==\"}\n" }, output: lines.append)
            let reply = try ProtoJSON.message(TestingV1.TestResponse.self, json: try #require(lines.all.first))
            #expect(reply.payload == Array("ab".utf8))
            #expect(reply.index == 2)
        }
    }

    @Test func serverStreamingPrintsALinePerResponse() async throws {
        try await withTestServer { target in
            let lines = Lines()
            try await CLI.run(["call", target, "voiceshop.testing.v1.TestService/ServerStream", #"{"responseCount":4}"#], output: lines.append)
            #expect(lines.all.count == 4)
        }
    }

    @Test func errorsCarryTheStatus() async throws {
        try await withTestServer { target in
            let error = await #expect(throws: CLI.Failure.self) {
                try await CLI.run(["call", target, "voiceshop.testing.v1.TestService/Unary", #"{"statusCode":5,"statusMessage":"nope"}"#])
            }
            #expect(error?.status == 1)
            #expect(error?.description.contains("NOT_FOUND") == true)
            let unknownField = await #expect(throws: CLI.Failure.self) {
                try await CLI.run(["call", target, "voiceshop.testing.v1.TestService/Unary", #"{"nope":1}"#])
            }
            #expect(unknownField?.status == 2)
            #expect(unknownField?.description.contains("nope") == true)
        }
    }

    @Test func healthReportsServing() async throws {
        try await withTestServer { target in
            let lines = Lines()
            try await CLI.run(["health", target], output: lines.append)
            try await CLI.run(["health", target, "voiceshop.testing.v1.TestService"], output: lines.append)
            #expect(lines.all == ["SERVING", "SERVING"])
            await #expect(throws: CLI.Failure.self) { try await CLI.run(["health", target, "no.such.Service"]) }
        }
    }

    @Test func listNamesEveryServiceMethod() async throws {
        let lines = Lines()
        try await CLI.run(["list"], output: lines.append)
        #expect(lines.all.contains { $0.contains("/voiceshop.nlu.v1.NLU/Parse") })
        #expect(lines.all.contains { $0.contains("/grpc.health.v1.Health/Watch") })
    }

    @Test func badUsageExitsTwo() async {
        let error = await #expect(throws: CLI.Failure.self) { try await CLI.run(["frobnicate"]) }
        #expect(error?.status == 2)
    }
}
