import GatewayService
import ServiceKit

/// gateway: the REST/JSON API (HTTP/1.1, h2c and WebSocket on `--http-listen`, default
/// 0.0.0.0:8080) in front of asr-svc, nlu-svc and rec-svc, plus gRPC health on `--listen`.
/// Flags and environment variables: services/gateway/README.md.
@main
enum Entrypoint {
    static func main() async {
        await ServiceMain.run(name: "gateway", defaultPort: 50060, extraFlags: GatewayConfiguration.flags) { setup in
            do {
                let server = try GatewayApp.makeServer(
                    value: setup.options.value, environment: ServiceOptions.processEnvironment(), logger: setup.logger,
                    registry: setup.metrics)
                return ServiceParts(rpcServices: [], backgroundServices: [server])
            } catch let error as GatewayConfiguration.ConfigurationError {
                throw ServiceOptions.ConfigurationError(error.description)
            }
        }
    }
}
