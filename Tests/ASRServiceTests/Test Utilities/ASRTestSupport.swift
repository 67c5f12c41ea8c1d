import Foundation
import TestSupport

/// Paths shared by the asr-svc tests.
enum ASRTestSupport {
    static let repositoryRoot = TestSupport.repositoryRoot
    /// Generated test files (models, audio): `.voiceshop/asr-test`, never committed.
    static let scratch: URL = {
        let url = TestSupport.repositoryRoot.appendingPathComponent(".voiceshop/asr-test")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
}
