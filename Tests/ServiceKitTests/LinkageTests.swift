import Foundation
import Testing

/// The services must not link Foundation: it would add about 12 MB of resident memory to
/// every process (docs/architecture.md, "Memory").
@Suite struct LinkageTests {
    static let buildDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug")

    @Test(arguments: ["asr-svc", "nlu-svc", "rec-svc", "gateway", "voiceshop-testserver"])
    func serviceDoesNotLinkFoundation(executable: String) async throws {
        let path = Self.buildDirectory.appendingPathComponent(executable).path
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(path) is built by `swift build --build-tests`")
        let libraries = try await Self.ldd(path)
        #expect(libraries.contains("libswiftCore"), "ldd output looks wrong: \(libraries)")
        #expect(!libraries.contains("libFoundation"), "\(executable) links Foundation")
        #expect(!libraries.contains("FoundationICU"), "\(executable) links ICU")
    }

    /// Runs ldd on a thread of its own (it blocks).
    static func ldd(_ path: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
                        process.arguments = [path]
                        let pipe = Pipe()
                        process.standardOutput = pipe
                        try process.run()
                        let data = pipe.fileHandleForReading.readDataToEndOfFile()
                        process.waitUntilExit()
                        return String(decoding: data, as: UTF8.self)
                    })
            }
        }
    }
}
