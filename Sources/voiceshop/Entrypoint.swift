import Foundation
import VoiceShopCLI

/// The `voiceshop` command: see `voiceshop --help`.
@main
enum Entrypoint {
    static func main() async {
        do {
            try await CLI.run(Array(CommandLine.arguments.dropFirst()))
        } catch let failure as CLI.Failure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            exit(failure.status)
        } catch {
            FileHandle.standardError.write(Data("voiceshop: \(error)\n".utf8))
            exit(1)
        }
    }
}
