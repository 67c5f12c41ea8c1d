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

    @Test(arguments: [["--nope", "1"], ["--listen"], ["--event-loops", "zero"], ["stray"], ["--listen", "no-port"]])
    func badInputIsRejectedWithAMessage(arguments: [String]) {
        #expect(throws: ServiceOptions.ConfigurationError.self) {
            _ = try ServiceOptions(name: "nlu-svc", defaultPort: 1, arguments: arguments, environment: [:])
        }
    }
}
