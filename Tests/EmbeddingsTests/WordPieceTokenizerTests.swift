import Embeddings
import Foundation
import Testing

/// The WordPiece rules on a tiny vocabulary of our own (the real one is in ReferenceTests).
@Suite struct WordPieceTokenizerTests {
    static let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "a", "##a", "!", ",", "cafe", "e", "σ", "中", "ᄒ", "##ᅡ", "##ᆫ"]

    private static func makeTokenizer() throws -> WordPieceTokenizer {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString).txt").path
        try (tokens.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try WordPieceTokenizer(vocabularyPath: path)
    }

    private func pieces(_ text: String, maxTokens: Int = WordPieceTokenizer.maxTokens) throws -> [String] {
        try Self.makeTokenizer().tokenIDs(text, maxTokens: maxTokens).map { Self.tokens[Int($0)] }
    }

    @Test func greedyLongestMatchFirst() throws {
        #expect(try pieces("unaffable") == ["[CLS]", "un", "##aff", "##able", "[SEP]"])
        #expect(try pieces("UNAFFABLE!") == ["[CLS]", "un", "##aff", "##able", "!", "[SEP]"])
    }

    @Test func unmatchedWordIsOneUnknown() throws {
        #expect(try pieces("unaffablex a") == ["[CLS]", "[UNK]", "a", "[SEP]"])
    }

    @Test func longWordsAreUnknown() throws {
        #expect(try pieces(String(repeating: "a", count: 100)).count == 102)
        #expect(try pieces(String(repeating: "a", count: 101)) == ["[CLS]", "[UNK]", "[SEP]"])
    }

    @Test func accentsCaseAndSeparators() throws {
        #expect(try pieces("Café,É\u{301}") == ["[CLS]", "cafe", ",", "e", "[SEP]"])
        #expect(try pieces("Σ") == ["[CLS]", "σ", "[SEP]"])
        #expect(try pieces("a中a") == ["[CLS]", "a", "中", "a", "[SEP]"])
        #expect(try pieces("한") == ["[CLS]", "ᄒ", "##ᅡ", "##ᆫ", "[SEP]"])
        #expect(try pieces("a\u{200B}a\u{0}a\u{00A0}a") == ["[CLS]", "a", "##a", "##a", "a", "[SEP]"])
    }

    @Test func truncationKeepsTheEnds() throws {
        let ids = try pieces(String(repeating: "a ", count: 10), maxTokens: 5)
        #expect(ids == ["[CLS]", "a", "a", "a", "[SEP]"])
        #expect(try pieces("", maxTokens: 2) == ["[CLS]", "[SEP]"])
    }
}
