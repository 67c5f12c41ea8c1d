import ASRService
import Foundation
import Protos
import RPCCore
import RPCHTTP2Transport
import ServiceKit
import ServiceRuntime

/// asr-svc in process: the decoder pool, the model service and `ASRRPCService` on a real
/// HTTP/2 server, with a channel to it. Started once per configuration and kept for the run.
final class ASRHarness: Sendable {
    let pool: DecoderPool
    let health: HealthService
    let client: ASRV1.ASR.Client
    let channel: HTTP2Channel
    let server: HTTP2Server
    let modelTask: Task<Void, any Error>

    static let logger = Logger(service: "asr-test", minimumLevel: .error)
    static let demoCatalog = ASRTestSupport.repositoryRoot.appendingPathComponent("services/rec-svc/demo/products.jsonl").path

    /// The shared harness on the demo catalog (2 decoders).
    static let shared = Task {
        var config = ASRServiceConfig()
        config.maxWaiting = 10_000  // the tests run in parallel and queue for the two decoders
        config.limits.maxBytes = 2_000_000
        return try await ASRHarness.start(config: config)
    }

    /// Starts asr-svc and waits until its model is loaded (unless `waitForModel` is false).
    static func start(
        config: ASRServiceConfig = ASRServiceConfig(), source: VocabularySource = .productsFile(demoCatalog),
        poll: Duration = .seconds(10), waitForModel: Bool = true
    ) async throws -> ASRHarness {
        let pool = DecoderPool(size: config.decoders, maxWaiting: config.maxWaiting)
        let health = HealthService(serving: [ASRV1.ASR.serviceName])
        health.setAll(.notServing)
        let models = ModelService(pool: pool, source: source, settings: config.engine, pollInterval: poll, logger: logger) { _ in
            health.setAll(.serving)
        }
        var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
        configuration.shutdownGracePeriod = .seconds(5)
        let server = try HTTP2Server(
            configuration: configuration, services: [ASRRPCService(pool: pool, config: config), health], logger: logger)
        Task { try await server.run() }
        let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)")
        let harness = ASRHarness(
            pool: pool, health: health, client: ASRV1.ASR.Client(channel: channel), channel: channel, server: server,
            modelTask: Task { try await models.run() })
        if waitForModel { try await harness.waitUntilServing() }
        return harness
    }

    private init(
        pool: DecoderPool, health: HealthService, client: ASRV1.ASR.Client, channel: HTTP2Channel, server: HTTP2Server,
        modelTask: Task<Void, any Error>
    ) {
        self.pool = pool
        self.health = health
        self.client = client
        self.channel = channel
        self.server = server
        self.modelTask = modelTask
    }

    func waitUntilServing(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while health.status(of: "") != .serving {
            guard ContinuousClock.now < deadline else { throw TestAudioError("asr-svc never became SERVING") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func stop() {
        modelTask.cancel()
        channel.close()
        server.beginGracefulShutdown()
        pool.shutdown()
    }

    /// Recognizes WAV bytes; returns the best transcript ("" when nothing was heard).
    func recognize(_ wav: Data, hints: [String] = [], alternatives: Int32 = 0) async throws -> ASRV1.RecognizeResponse {
        var config = ASRV1.RecognitionConfig()
        config.hints = hints
        config.maxAlternatives = alternatives
        return try await client.recognize(ASRV1.RecognizeRequest(config: config, audio: [UInt8](wav)))
    }

    /// Streams WAV bytes in `chunkBytes` pieces; returns every response.
    func stream(_ wav: Data, chunkBytes: Int = 3_200) async throws -> [ASRV1.StreamingRecognizeResponse] {
        let bytes = [UInt8](wav)
        return try await client.streamingRecognize { writer in
            var offset = 0
            var first = true
            while offset < bytes.count || first {
                let end = min(bytes.count, offset + chunkBytes)
                var chunk = ASRV1.AudioChunk(audio: Array(bytes[offset..<end]))
                if first { chunk.config = ASRV1.RecognitionConfig() }
                try await writer.write(chunk)
                first = false
                offset = end
            }
        } _: { responses in
            var all: [ASRV1.StreamingRecognizeResponse] = []
            for try await response in responses { all.append(response) }
            return all
        }
    }
}
