import Protos
import RPCCore
import RPCHTTP2Transport
import ServiceKit
import ServiceRuntime
import TestSupport
import Synchronization
import Testing

/// The call metrics every service exports, counted by a real server for real calls.
@Suite struct ServiceTelemetryTests {
    @Test func callsAreCountedByMethodAndStatus() async throws {
        let registry = MetricsRegistry()
        let health = HealthService(serving: ["voiceshop.demo.Known"])
        let telemetry = ServiceTelemetry(registry: registry, logger: Logger(service: "test", minimumLevel: .error), services: [health])
        var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
        configuration.shutdownGracePeriod = .seconds(2)
        let server = try HTTP2Server(
            configuration: configuration, services: [health], logger: Logger(service: "test", minimumLevel: .error), observer: telemetry)
        telemetry.observePool(of: server)
        let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let client = HealthV1.Health.Client(channel: channel)
            for _ in 0..<3 { _ = try await client.check(HealthV1.HealthCheckRequest(service: "voiceshop.demo.Known")) }
            await #expect(throws: RPCError.self) { _ = try await client.check(HealthV1.HealthCheckRequest(service: "no.such.Service")) }
            let missing = MethodDescriptor(service: "voiceshop.demo.Nothing", method: "Here")
            await #expect(throws: RPCError.self) {
                let _: HealthV1.HealthCheckResponse = try await channel.unary(missing, request: HealthV1.HealthCheckRequest(service: ""))
            }
            // The stream's end is observed when nghttp2 closes it, just after the client has its answer.
            var text = registry.render()
            for _ in 0..<100 where !text.contains(#"grpc_code="UNIMPLEMENTED"} 1"#) {
                try await Task.sleep(for: .milliseconds(10))
                text = registry.render()
            }
            let check = #"grpc_service="grpc.health.v1.Health",grpc_method="Check",grpc_type="unary""#
            #expect(text.contains("grpc_server_started_total{\(check)} 4\n"))
            #expect(text.contains("grpc_server_handled_total{\(check),grpc_code=\"OK\"} 3\n"))
            #expect(text.contains("grpc_server_handled_total{\(check),grpc_code=\"NOT_FOUND\"} 1\n"))
            #expect(text.contains("grpc_server_handling_seconds_count{\(check)} 4\n"))
            #expect(text.contains(#"grpc_server_handled_total{grpc_service="unknown",grpc_method="unknown",grpc_type="unary",grpc_code="UNIMPLEMENTED"} 1"#))
            #expect(text.contains("grpc_server_in_flight_calls 0\n"))
            #expect(text.contains("grpc_server_open_connections 1\n"))
            #expect(text.contains("grpc_server_connections_total 1\n"))
            #expect(text.contains("grpc_server_handlers_limit 256\n"))
            channel.close()
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(registry.render().contains("grpc_server_open_connections 0\n"))
    }

    @Test func adminPortServesMetricsAndHealth() async throws {
        let registry = MetricsRegistry()
        registry.counter("demo_things_total", help: "Things.").increment(by: 4)
        let healthy = SendableBox(true)
        let admin = try AdminHTTPServer(host: "127.0.0.1", port: 0, logger: Logger(service: "test", minimumLevel: .error)) { path in
            switch path {
            case "/metrics": (200, MetricsRegistry.contentType, registry.render())
            case "/healthz": healthy.value ? (200, "text/plain", "SERVING\n") : (503, "text/plain", "NOT_SERVING\n")
            default: (404, "text/plain", "not found\n")
            }
        }
        let task = Task { try await admin.run() }
        defer { task.cancel() }
        let base = "http://\(admin.listeningAddress)"
        let (status, body) = try await TestSupport.onOwnThread { try TestSupport.runCommand("/usr/bin/curl", ["-s", "-w", "\n%{http_code}", "\(base)/metrics"]) }
        #expect(status == 0)
        #expect(body.contains("demo_things_total 4\n"))
        #expect(body.hasSuffix("\n200"))
        let (_, health) = try await TestSupport.onOwnThread { try TestSupport.runCommand("/usr/bin/curl", ["-s", "-w", "%{http_code}", "\(base)/healthz"]) }
        #expect(health == "SERVING\n200")
        healthy.value = false
        let (_, down) = try await TestSupport.onOwnThread { try TestSupport.runCommand("/usr/bin/curl", ["-s", "-w", "%{http_code}", "\(base)/healthz"]) }
        #expect(down == "NOT_SERVING\n503")
        let (_, post) = try await TestSupport.onOwnThread {
            try TestSupport.runCommand("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "\(base)/metrics"])
        }
        #expect(post == "405")
        let (_, missing) = try await TestSupport.onOwnThread { try TestSupport.runCommand("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/nope"]) }
        #expect(missing == "404")
    }
}

/// A flag the admin server's routes read while the test flips it.
final class SendableBox: Sendable {
    private let flag: Atomic<Bool>
    init(_ value: Bool) { flag = Atomic(value) }
    var value: Bool {
        get { flag.load(ordering: .acquiring) }
        set { flag.store(newValue, ordering: .releasing) }
    }
}
