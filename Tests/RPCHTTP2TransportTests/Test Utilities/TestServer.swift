import RPCCore
import RPCHTTP2Transport
import ServiceRuntime

/// Runs `body` with a server on 127.0.0.1:0 and a channel to it, then shuts both down.
func withServerAndChannel<Result: Sendable>(
    services: [any RegistrableRPCService] = [RawEchoService()],
    configure: (inout HTTP2ServerConfiguration) -> Void = { _ in },
    client: HTTP2ClientConfiguration = HTTP2ClientConfiguration(),
    _ body: @Sendable (HTTP2Server, HTTP2Channel) async throws -> Result
) async throws -> Result {
    var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
    configuration.shutdownGracePeriod = .seconds(5)
    configure(&configuration)
    let server = try HTTP2Server(
        configuration: configuration,
        services: services,
        logger: Logger(service: "test", minimumLevel: .error)
    )
    let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)", configuration: client)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        do {
            let result = try await body(server, channel)
            channel.close()
            server.beginGracefulShutdown()
            try await group.waitForAll()
            return result
        } catch {
            channel.close()
            server.beginGracefulShutdown()
            try await group.waitForAll()
            throw error
        }
    }
}
