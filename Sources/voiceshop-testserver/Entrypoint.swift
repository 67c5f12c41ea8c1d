import ServiceKit
import TestingService

/// The RPC test server: voiceshop.testing.v1.TestService plus health, for interop tests and
/// `make bench`.
@main
enum Entrypoint {
    static func main() async {
        await ServiceMain.run(name: "voiceshop-testserver", defaultPort: 50100) { _, _ in [TestService()] }
    }
}
