public import PocketSphinx
internal import ServiceRuntime

/// The pronunciation dictionary decoders are built with: the general model's most probable
/// words and every word of the catalog model, cut from Debian's CMU dictionary.
///
/// The decoder's search covers every word that is both in its dictionary and in its language
/// model, and its time grows with that number. Debian's general model knows 72,000 words; its
/// 40,000 most probable carry 99.8% of its unigram probability, and with them (instead of all)
/// recognition takes about 30% less time, with the same or fewer errors on shopping queries
/// (docs/benchmarks.md). Rarer words, such as some surnames, are then not recognised.
public struct DecoderLexicon: Sendable {
    public let dictionary: PronunciationDictionary
    /// The general model's words, most probable first, cut to the configured number.
    public let generalWords: [String]

    /// Reads the dictionary and ranks the general model's words (about half a second).
    /// - Parameter generalWords: how many of the general model's words to keep; nil keeps all.
    /// - Throws: `ASRError` (`.engine`) when a model file cannot be read.
    public init(settings: SpeechDecoder.Configuration, generalWords: Int?) throws(ASRError) {
        do {
            dictionary = PronunciationDictionary(text: try FileBytes.read(settings.dictionary))
            let ranked = try PocketSphinxLibrary.wordsByProbability(languageModel: settings.generalLanguageModel)
            self.generalWords = generalWords.map { Array(ranked.prefix($0)) } ?? ranked
        } catch {
            throw ASRError(.engine, "Reading the pronunciation dictionary failed: \(error)", cause: error)
        }
    }

    /// The words decoders of `model` know: the kept general words and the catalog model's
    /// (those the dictionary lacks get letter-to-sound pronunciations when the decoder is built).
    public func words(for model: CatalogLanguageModel?) -> Set<String> {
        var kept = Set(generalWords)
        if let model { kept.formUnion(model.words) }
        return kept
    }
}
