import Foundation
import TestSupport
import Testing

/// The services must not link Foundation: it would add about 12 MB of resident memory to
/// every process (docs/architecture.md, "Memory").
@Suite struct LinkageTests {
    static let buildDirectory = TestSupport.repositoryRoot.appendingPathComponent(".build/debug")

    @Test(arguments: ["asr-svc", "nlu-svc", "rec-svc", "gateway", "voiceshop-testserver"])
    func serviceDoesNotLinkFoundation(executable: String) async throws {
        let path = Self.buildDirectory.appendingPathComponent(executable).path
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(path) is built by `swift build --build-tests`")
        let (_, libraries) = try await TestSupport.onOwnThread { try TestSupport.runCommand("/usr/bin/ldd", [path]) }
        #expect(libraries.contains("libswiftCore"), "ldd output looks wrong: \(libraries)")
        #expect(!libraries.contains("libFoundation"), "\(executable) links Foundation")
        #expect(!libraries.contains("FoundationICU"), "\(executable) links ICU")
    }
}
