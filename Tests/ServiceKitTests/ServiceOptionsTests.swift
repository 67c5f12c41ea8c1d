import RPCHTTP2Transport
import ServiceKit
import Testing

@Suite struct ServiceOptionsTests {
    @Test func flagsBeatEnvironmentBeatDefaults() throws {
        let defaults = try ServiceOptions(name: "asr-svc", defaultPort: 50061, arguments: [], environment: [:])
        #expect(defaults.server.address == HostPort(host: "0.0.0.0", port: 50061))
        let fromEnvironment = try ServiceOptions(
            name: "asr-svc", defaultPort: 50061, arguments: [],
            environment: ["ASR_SVC_LISTEN": "127.0.0.1:7000", "ASR_SVC_MAX_HANDLERS": "8"])
        #expect(fromEnvironment.server.address.port == 7000)
        #expect(fromEnvironment.server.maxConcurrentHandlers == 8)
        let fromFlags = try ServiceOptions(
            name: "asr-svc", defaultPort: 50061, arguments: ["--listen=127.0.0.1:7001", "--event-loops", "3"],
            environment: ["ASR_SVC_LISTEN": "127.0.0.1:7000"])
        #expect(fromFlags.server.address.port == 7001)
        #expect(fromFlags.server.eventLoops == 3)
    }

    @Test func metricsPortDefaultsFollowTheGRPCPort() throws {
        func metrics(_ arguments: [String], _ environment: [String: String] = [:]) throws -> String? {
            let options = try ServiceOptions(
                name: "rec-svc", defaultPort: 50063, arguments: arguments, environment: environment, defaultMetricsPort: 9163)
            return options.metricsListen.map { "\($0.host):\($0.port)" }
        }
        #expect(try metrics([]) == "0.0.0.0:9163")
        // A gRPC port picked by the kernel (tests, several instances) gets a free admin port too.
        #expect(try metrics(["--listen", "127.0.0.1:0"]) == "0.0.0.0:0")
        #expect(try metrics(["--metrics-listen", "127.0.0.1:9300"]) == "127.0.0.1:9300")
        #expect(try metrics([], ["REC_SVC_METRICS_LISTEN": "[::1]:9301"]) == "::1:9301")
        #expect(try metrics(["--metrics-listen", "off"]) == nil)
        let quiet = try ServiceOptions(name: "rec-svc", defaultPort: 1, arguments: ["--call-log", "off"], environment: [:])
        #expect(!quiet.logCalls && quiet.metricsListen == nil)
    }

    @Test(arguments: [
        ["--nope", "1"], ["--listen"], ["--event-loops", "zero"], ["stray"], ["--listen", "no-port"], ["--metrics-listen", "9000"],
        ["--call-log", "maybe"],
    ])
    func badInputIsRejectedWithAMessage(arguments: [String]) {
        #expect(throws: ServiceOptions.ConfigurationError.self) {
            _ = try ServiceOptions(name: "nlu-svc", defaultPort: 1, arguments: arguments, environment: [:])
        }
    }
}
