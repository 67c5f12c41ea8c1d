import Foundation
import ServiceRuntime
import Testing

@Suite struct FileBytesTests {
    @Test func readsAWholeFileLargerThanOneChunk() throws {
        let path = NSTemporaryDirectory() + "filebytes-\(getpid()).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try FileBytes.read(path) == bytes)
    }

    @Test func aMissingFileNamesThePathAndTheReason() {
        do {
            _ = try FileBytes.read("/nonexistent/voiceshop.txt")
            Issue.record("a missing file was read")
        } catch {
            #expect(error.description == "cannot read /nonexistent/voiceshop.txt: No such file or directory")
        }
    }
}
