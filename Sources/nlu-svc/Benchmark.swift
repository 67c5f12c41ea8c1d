import Glibc
import NLUService
import Protos
import RPCCore
import RPCHTTP2Transport
import ServiceRuntime

/// `nlu-svc benchmark [--model FILE] [--test FILE] [--rounds N] [--english-words FILE|none]`: Parse latency of the held-out
/// utterances in process and through gRPC on a loopback HTTP/2 server (one call at a time),
/// as JSON on stdout. bench/nlu/run calls it.
enum Benchmark {
    static func run(_ arguments: [String]) async -> Int32 {
        var options: [String: String] = [:]
        var index = 0
        while index + 1 < arguments.count {
            options[String(arguments[index].dropFirst(2))] = arguments[index + 1]
            index += 2
        }
        do {
            let model = try NLUModel.load(file: options["model"] ?? NLUTraining.defaultModelFile)
            let vocabulary = try NLUTraining.vocabulary(file: options["vocabulary-file"] ?? NLUTraining.defaultVocabularyFile)
            let texts = try TaggedUtterance.load(file: options["test"] ?? NLUTraining.defaultDataDirectory + "/test.txt")
                .map { $0.tokens.joined(separator: " ") }
            let rounds = Int(options["rounds"] ?? "20") ?? 20
            // The word list the service loads by default, as it serves.
            let englishWords = try EnglishWords.load(file: options["english-words"] ?? EnglishWords.defaultFile)
            let engine = NLUEngine(model: model, vocabulary: vocabulary, englishWords: englishWords)
            let requests = texts.map { text -> NLUV1.ParseRequest in
                var request = NLUV1.ParseRequest()
                request.text = text
                return request
            }
            // Warm up, then time every call.
            for request in requests { _ = try engine.parse(request) }
            var inProcess: [Double] = []
            for _ in 0..<rounds {
                for request in requests {
                    let start = ContinuousClock.now
                    _ = try engine.parse(request)
                    inProcess.append(microseconds(ContinuousClock.now - start))
                }
            }
            var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
            configuration.shutdownGracePeriod = .seconds(2)
            let server = try HTTP2Server(
                configuration: configuration, services: [NLURPCService(engine: engine)],
                logger: Logger(service: "nlu-bench", minimumLevel: .error))
            let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)")
            let client = NLUV1.NLU.Client(channel: channel)
            let overRPC: [Double] = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                defer {
                    channel.close()
                    server.beginGracefulShutdown()
                }
                for request in requests { _ = try await client.parse(request) }
                var samples: [Double] = []
                for _ in 0..<max(1, rounds / 2) {
                    for request in requests {
                        let start = ContinuousClock.now
                        _ = try await client.parse(request)
                        samples.append(microseconds(ContinuousClock.now - start))
                    }
                }
                return samples
            }
            func summary(_ samples: [Double]) -> String {
                let sorted = samples.sorted()
                func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
                let mean = sorted.reduce(0, +) / Double(sorted.count)
                return "{\"calls\":\(sorted.count),\"p50_us\":\(at(0.5)),\"p99_us\":\(at(0.99)),\"mean_us\":\(mean)}"
            }
            print("{\"in_process\":\(summary(inProcess)),\"rpc\":\(summary(overRPC))}")
            return 0
        } catch {
            print("nlu-svc benchmark: \(error)")
            return 1
        }
    }

    static func microseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
    }
}
