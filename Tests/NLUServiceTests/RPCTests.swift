import NLUService
import Protos
import RPCCore
import RPCHTTP2Transport
import ServiceRuntime
import Synchronization
import Testing

/// A stand-in for rec-svc that serves only `Rec/Vocabulary`, with a version that tests bump.
final class FakeVocabulary: RegistrableRPCService, Sendable {
    let state = Mutex<(version: Int64, brands: [String], calls: Int)>((1, ["Nike"], 0))

    func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(RecV1.Rec.Method.Vocabulary.descriptor) {
            (request: RecV1.VocabularyRequest, context: ServerContext) in
            self.state.withLock { state in
                state.calls += 1
                var response = RecV1.VocabularyResponse()
                response.version = state.version
                if request.knownVersion == state.version {
                    response.unchanged = true
                } else {
                    response.brands = state.brands
                    response.categories = ["Shoes/Running"]
                    response.colors = ["red"]
                }
                return response
            }
        }
    }
}

/// Runs `services` on a real HTTP/2 server on 127.0.0.1 port 0 and gives `body` a channel to it.
func withServer<Result: Sendable>(
    _ services: [any RegistrableRPCService], _ body: @Sendable (HTTP2Channel) async throws -> Result
) async throws -> Result {
    var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
    configuration.shutdownGracePeriod = .seconds(5)
    let server = try HTTP2Server(configuration: configuration, services: services, logger: Logger(service: "nlu-test", minimumLevel: .error))
    let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)")
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        defer {
            channel.close()
            server.beginGracefulShutdown()
        }
        return try await body(channel)
    }
}

@Suite("NLU over gRPC")
struct RPCTests {
    @Test func parseOverARealServer() async throws {
        try await withServer([NLURPCService(engine: Shared.engine)]) { channel in
            let client = NLUV1.NLU.Client(channel: channel)
            var request = NLUV1.ParseRequest()
            request.text = "show me mike running shoes under fifty dollars"
            let response = try await client.parse(request)
            #expect(response.intent == .searchProducts)
            #expect(response.filters?.brand == "Nike")
            #expect(response.filters?.priceMax == 50)
            #expect(response.corrections.first?.to == "nike")

            request.text = ""
            await #expect {
                try await client.parse(request)
            } throws: { error in
                (error as? RPCError)?.code == .invalidArgument && (error as? RPCError)?.message.contains("empty") == true
            }
            request.text = String(repeating: "a", count: 1_001)
            await #expect {
                try await client.parse(request)
            } throws: { error in
                (error as? RPCError)?.code == .invalidArgument
            }
        }
    }

    @Test func vocabularyFollowsRecAndSurvivesItsOutage() async throws {
        let engine = NLUEngine(model: Shared.model, vocabulary: Shared.vocabulary)
        let fake = FakeVocabulary()
        try await withServer([fake]) { channel in
            // A generous deadline: the heavy suites share two cores with this one, and the point
            // here is what a sync does, not how fast the fake answers.
            let sync = VocabularySync(
                client: RecV1.Rec.Client(channel: channel), engine: engine, interval: .seconds(60), callTimeout: .seconds(60),
                logger: Logger(service: "nlu-test", minimumLevel: .error))
            var known = try await sync.syncOnce(known: 0)
            #expect(known == 1)
            #expect(engine.gazetteer.version == "rec-1")
            #expect(engine.gazetteer.entries.contains { $0.canonical == "Nike" })
            #expect(!engine.gazetteer.entries.contains { $0.canonical == "Adidas" })
            // Unchanged: nothing is replaced.
            known = try await sync.syncOnce(known: known)
            #expect(known == 1 && engine.gazetteer.version == "rec-1")
            // A new catalog version brings a new brand.
            fake.state.withLock { $0 = (2, ["Nike", "Zorblax"], $0.calls) }
            known = try await sync.syncOnce(known: known)
            #expect(known == 2)
            var request = NLUV1.ParseRequest()
            request.text = "show me zorblax running shoes"
            #expect(try engine.parse(request).filters?.brand == "Zorblax")
        }
        // rec-svc gone: the call fails, the engine keeps its vocabulary.
        let dead = try HTTP2Channel(target: "127.0.0.1:1")
        defer { dead.close() }
        let sync = VocabularySync(
            client: RecV1.Rec.Client(channel: dead), engine: engine, interval: .seconds(60),
            logger: Logger(service: "nlu-test", minimumLevel: .error))
        await #expect(throws: (any Error).self) { try await sync.syncOnce(known: 2) }
        #expect(engine.gazetteer.version == "rec-2")
    }
}
