import ServiceKit

/// gateway: the REST gateway. Its REST API arrives with the gateway issue; until then it serves
/// health only, and every other method answers UNIMPLEMENTED.
@main
enum Entrypoint {
    static func main() async {
        await ServiceMain.run(name: "gateway", defaultPort: 50060) { _, _ in [] }
    }
}
