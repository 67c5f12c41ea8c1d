import ServiceKit

/// asr-svc: speech recognition (pocketsphinx). Its ASR methods arrive with the asr-svc issue; until then it serves
/// health only, and every other method answers UNIMPLEMENTED.
@main
enum Entrypoint {
    static func main() async {
        await ServiceMain.run(name: "asr-svc", defaultPort: 50061) { _, _ in [] }
    }
}
