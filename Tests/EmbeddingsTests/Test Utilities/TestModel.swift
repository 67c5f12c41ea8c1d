import Embeddings
import Foundation
import TestSupport
import Testing

/// The real model, loaded once per test process: `$VOICESHOP_MODELS_DIR/all-minilm-l6-v2`, or
/// `.voiceshop/models/all-minilm-l6-v2` in the repository. There is no skipping when it is
/// missing: `make test` runs scripts/fetch-models first, and a missing model fails the tests
/// with the encoder's own message.
enum TestModel {
    static let directory: String = {
        let base = ProcessInfo.processInfo.environment["VOICESHOP_MODELS_DIR"]
            ?? TestSupport.repositoryRoot.appendingPathComponent(".voiceshop/models").path
        return base + "/" + SentenceEncoder.modelName
    }()

    private static let loaded: Result<SentenceEncoder, EmbeddingsError> = {
        do throws(EmbeddingsError) {
            return .success(try SentenceEncoder(modelDirectory: directory))
        } catch {
            return .failure(error)
        }
    }()

    /// The shared encoder.
    static func encoder() throws -> SentenceEncoder {
        try loaded.get()
    }

    /// Runs encoder work on a thread of its own: encodes are CPU-bound for milliseconds to
    /// seconds, and on Swift's cooperative pool they would starve the timing tests of other
    /// suites running at the same time.
    static func offPool<Result: Sendable>(_ body: @escaping @Sendable (SentenceEncoder) -> Result) async throws -> Result {
        let encoder = try encoder()
        return try await TestSupport.onOwnThread { body(encoder) }
    }
}

/// Tests/EmbeddingsTests/Fixtures/reference.json, written by scripts/embeddings_reference.py.
struct ReferenceFixture: Decodable {
    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        var text: String
        var ids: [Int32]
        var vector: [Float]

        var testDescription: String {
            let short = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return String(reflecting: short)
        }
    }

    var unicode: String
    var cases: [Case]

    static let shared: ReferenceFixture = {
        let url = TestSupport.repositoryRoot.appendingPathComponent("Tests/EmbeddingsTests/Fixtures/reference.json")
        do {
            return try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()
}

/// The dot product (the cosine of unit vectors) and the cosine of any two vectors.
func dot(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var sum: Float = 0
    for i in a.indices { sum += a[i] * b[i] }
    return sum
}

func cosine(_ a: [Float], _ b: [Float]) -> Float {
    dot(a, b) / (dot(a, a).squareRoot() * dot(b, b).squareRoot())
}
