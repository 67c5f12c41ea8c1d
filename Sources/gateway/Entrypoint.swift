import ServiceKit

/// gateway: the REST gateway. Its REST API arrives with the gateway issue; until then it serves
/// gRPC health only. It already takes its peers' addresses (`--asr-addr`, `--nlu-addr`,
/// `--rec-addr`, or `GATEWAY_ASR_ADDR` and so on), so deployments can be configured now.
@main
enum Entrypoint {
    static func main() async {
        await ServiceMain.run(name: "gateway", defaultPort: 50060, extraFlags: ["asr-addr", "nlu-addr", "rec-addr"]) { _, _ in
            []
        }
    }
}
