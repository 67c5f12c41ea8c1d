import Foundation
import RPCCore
import RPCHTTP2Transport
import ServiceRuntime
import TestSupport
import Testing

@Suite struct ServerSmokeTests {
    @Test func nghttpSeesStatusZero() async throws {
        let server = try HTTP2Server(
            configuration: HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1),
            services: [RawEchoService()],
            logger: Logger(service: "test", minimumLevel: .error)
        )
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.run() }
            for method in ["InlineEcho", "PooledEcho"] {
                let body = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID()).bin")
                try Data([0, 0, 0, 0, 3, 1, 2, 3]).write(to: body)
                let (_, output) = try await TestSupport.onOwnThread { try TestSupport.runCommand("/usr/bin/nghttp", ["-v", "-d", body.path, "-H", "content-type: application/grpc", "-H", "te: trailers",
                    "http://127.0.0.1:\(server.listeningAddress.port)/test.Raw/\(method)"]) }
                #expect(output.contains("grpc-status: 0"), "\(output)")
            }
            server.beginGracefulShutdown()
        }
    }
}
