import ServiceKit

/// nlu-svc: language understanding. Its NLU methods arrive with the nlu-svc issue; until then it serves
/// health only, and every other method answers UNIMPLEMENTED.
@main
enum Entrypoint {
    static func main() async {
        await ServiceMain.run(name: "nlu-svc", defaultPort: 50062) { _, _ in [] }
    }
}
