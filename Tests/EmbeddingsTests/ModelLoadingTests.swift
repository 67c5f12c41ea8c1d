import Embeddings
import Foundation
import Testing

@Suite struct ModelLoadingTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("embeddings-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func missingModelSaysHowToFetchIt() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = #expect(throws: EmbeddingsError.self) { try SentenceEncoder(modelDirectory: directory.path) }
        #expect(error?.code == .modelMissing)
        #expect(error?.path == directory.path + "/model.bin")
        #expect(error?.description.contains("run scripts/fetch-models") == true)
    }

    @Test func missingVocabularyIsReported() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(atPath: TestModel.directory + "/model.bin", toPath: directory.path + "/model.bin")
        let error = #expect(throws: EmbeddingsError.self) { try SentenceEncoder(modelDirectory: directory.path) }
        #expect(error?.code == .modelMissing)
        #expect(error?.path == directory.path + "/vocab.txt")
    }

    @Test(arguments: [
        ("not a model", Data("hello, world".utf8)),
        ("bad magic", Data(repeating: 0x41, count: 4096)),
        ("another version", Data("VSMINILM".utf8) + Data([99, 0, 0, 0]) + Data(count: 4084)),
    ])
    func invalidModelIsRejected(_ name: String, _ contents: Data) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try contents.write(to: directory.appendingPathComponent("model.bin"))
        try FileManager.default.copyItem(atPath: TestModel.directory + "/vocab.txt", toPath: directory.path + "/vocab.txt")
        let error = #expect(throws: EmbeddingsError.self) { try SentenceEncoder(modelDirectory: directory.path) }
        #expect(error?.code == .modelInvalid, "\(name)")
    }

    @Test func truncatedModelIsRejected() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Data(contentsOf: URL(fileURLWithPath: TestModel.directory + "/model.bin"))
        try original.prefix(original.count / 2).write(to: directory.appendingPathComponent("model.bin"))
        try FileManager.default.copyItem(atPath: TestModel.directory + "/vocab.txt", toPath: directory.path + "/vocab.txt")
        let error = #expect(throws: EmbeddingsError.self) { try SentenceEncoder(modelDirectory: directory.path) }
        #expect(error?.code == .modelInvalid)
    }

    @Test func defaultDirectoryFollowsTheEnvironment() {
        let directory = SentenceEncoder.defaultModelDirectory()
        if let base = ProcessInfo.processInfo.environment["VOICESHOP_MODELS_DIR"] {
            #expect(directory == base + "/all-minilm-l6-v2")
        } else {
            #expect(directory == ".voiceshop/models/all-minilm-l6-v2")
        }
    }
}
