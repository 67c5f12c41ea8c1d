import Embeddings
import Testing

/// The Swift tokenizer and encoder against the numpy reference (scripts/embeddings_reference.py,
/// float64, whose token ids were checked against HF tokenizers).
@Suite struct ReferenceTests {
    @Test func fixtureCoversTheAgreedCases() {
        let cases = ReferenceFixture.shared.cases
        #expect(cases.count >= 50)
        #expect(cases.contains { $0.ids.count == WordPieceTokenizer.maxTokens }, "a text cut at 256 tokens")
        #expect(cases.contains { $0.text.isEmpty })
    }

    @Test(arguments: ReferenceFixture.shared.cases)
    func tokenIDsMatch(_ reference: ReferenceFixture.Case) throws {
        let encoder = try TestModel.encoder()
        #expect(encoder.tokenizer.tokenIDs(reference.text) == reference.ids)
    }

    @Test(arguments: ReferenceFixture.shared.cases)
    func vectorMatches(_ reference: ReferenceFixture.Case) async throws {
        let vector = try await TestModel.offPool { $0.encode(reference.text) }
        #expect(vector.count == SentenceEncoder.dimensions)
        #expect(abs(dot(vector, vector) - 1) < 1e-5, "unit length")
        let similarity = cosine(vector, reference.vector)
        #expect(similarity >= 0.9999, "cosine \(similarity)")
    }

    /// The figures everyone quotes for all-MiniLM-L6-v2.
    @Test func publishedExampleVector() async throws {
        let vector = try await TestModel.offPool { $0.encode("This is an example sentence") }
        let published: [Float] = [0.06766, 0.06350, 0.04871, 0.07931, 0.03745, 0.00265, 0.03938, -0.00710]
        for (index, value) in published.enumerated() {
            #expect(abs(vector[index] - value) < 2e-5, "component \(index): \(vector[index]) vs \(value)")
        }
    }
}
