import Foundation
import PocketSphinx
import Testing

@Suite struct PronunciationDictionaryTests {
    /// Debian's CMU dictionary.
    static func debianDictionary() throws -> PronunciationDictionary {
        let path = "\(PocketSphinxLibrary.defaultModelDirectory)/cmudict-en-us.dict"
        return PronunciationDictionary(text: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test func keepsTheChosenWordsWithTheirVariantsInFileOrder() {
        let text = """
            a AH
            a(2) EY
            read R IY D
            read(2) R EH D
            zebra Z IY B R AH

            """
        let dictionary = PronunciationDictionary(text: Array(text.utf8))
        #expect(dictionary.count == 5)
        #expect(dictionary.words == ["a", "read", "zebra"])
        #expect(dictionary.contains("read") && !dictionary.contains("read(2)"))
        let kept = String(decoding: dictionary.text(keeping: ["zebra", "read", "absent"]), as: UTF8.self)
        #expect(kept == "read R IY D\nread(2) R EH D\nzebra Z IY B R AH\n")
    }

    @Test func debiansDictionaryAndGeneralModelWordsByProbability() throws {
        let directory = PocketSphinxLibrary.defaultModelDirectory
        let dictionary = try Self.debianDictionary()
        #expect(dictionary.words.count > 120_000)
        #expect(dictionary.count > dictionary.words.count)  // variants
        let ranked = try PocketSphinxLibrary.wordsByProbability(languageModel: "\(directory)/en-us.lm.bin")
        #expect(ranked.count > 70_000)
        #expect(ranked.first == "the")
        #expect(!ranked.contains("<s>") && !ranked.contains("</s>"))
        let rank = Dictionary(ranked.enumerated().map { ($1, $0) }, uniquingKeysWith: min)
        // Everyday words outrank rare ones.
        #expect(rank["dress"]! < rank["prudently"]!)
        #expect(rank["cart"]! < 40_000 && rank["headphones"]! < 40_000)
    }

    @Test func aDecoderReadsADictionaryBuiltInMemory() throws {
        let dictionary = try Self.debianDictionary()
        var configuration = SpeechDecoder.Configuration()
        configuration.dictionaryText = dictionary.text(keeping: ["red", "dress", "dresses"])
        let decoder = try SpeechDecoder(configuration: configuration)
        #expect(decoder.hasWord("dress") && decoder.hasWord("dresses"))
        #expect(!decoder.hasWord("the"))
    }
}
