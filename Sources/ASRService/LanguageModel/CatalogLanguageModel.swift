public import PocketSphinx

/// The catalog-adapted language model of one vocabulary version: the shopping-query corpus,
/// its Kneser-Ney trigram ARPA text, and pronunciations for the words the dictionary lacks.
/// Decoders mix it with Debian's general English model by linear interpolation.
public struct CatalogLanguageModel: Sendable {
    /// The ARPA text (never written to disk: decoders read it through a memfd).
    public let arpa: [UInt8]
    public let statistics: NGramModelBuilder.Statistics
    /// Letter-to-sound pronunciations of the model's words missing from the dictionary.
    public let pronunciations: [(word: String, phones: String)]
    /// The model's words (without the sentence markers).
    public let words: [String]
    public let sentenceCount: Int
    public let vocabularyVersion: Int64

    /// Builds the model. `dictionary` answers whether the pronunciation dictionary has a word.
    public init(vocabulary: CatalogVocabulary, settings: ShoppingCorpus.Settings = .init(), dictionary: (String) -> Bool) {
        let corpus = ShoppingCorpus(vocabulary: vocabulary, settings: settings, isWord: dictionary)
        var builder = NGramModelBuilder()
        for sentence in corpus.sentences { builder.add(sentence) }
        let built = builder.arpa()
        arpa = built.text
        statistics = built.statistics
        sentenceCount = corpus.sentences.count
        vocabularyVersion = vocabulary.version
        words = Array(builder.vocabulary.dropFirst(2))
        var pronunciations: [(word: String, phones: String)] = []
        for word in words where !dictionary(word) {
            let phones = LetterToSound.phones(for: word)
            if !phones.isEmpty { pronunciations.append((word, phones.joined(separator: " "))) }
        }
        self.pronunciations = pronunciations
    }
}

/// How decoders are built: the model files, the mixing weight, pocketsphinx options.
public struct EngineSettings: Sendable {
    public var decoder = SpeechDecoder.Configuration()
    /// The catalog model's share of the interpolated probability; the general model has the rest.
    public var catalogWeight: Float = 0.6
    /// Whether the general English model is mixed in at all.
    public var mixGeneralModel = true
    /// How many of the general model's words (most probable first) decoders know, besides the
    /// catalog's; nil: all of them (`DecoderLexicon`).
    public var generalWords: Int? = 40_000
    public var corpus = ShoppingCorpus.Settings()

    /// pocketsphinx options asr-svc sets: our VAD trims silence (so frames keep their times),
    /// and the single fast forward pass plus the lattice pass (n-best, confidences).
    /// Tighter pruning (`-maxhmmpf`, beams) was measured and saves little with the cut
    /// dictionary, at a cost in words (docs/benchmarks.md, the gateway's voice figures).
    public static let defaultDecoderOptions: [(flag: String, value: String)] = [
        ("-remove_silence", "no"), ("-fwdflat", "no"), ("-bestpath", "yes"),
    ]

    public init() {
        decoder.options = Self.defaultDecoderOptions
    }

    /// Builds one decoder with `model` (blocking: about a second).
    /// - Throws: `ASRError` when pocketsphinx fails.
    public func makeDecoder(_ model: CatalogLanguageModel?) throws(ASRError) -> SpeechDecoder {
        do {
            let decoder = try SpeechDecoder(configuration: self.decoder)
            var components: [SpeechDecoder.LanguageModelComponent] = []
            if let model {
                decoder.addWords(model.pronunciations)
                components.append(.init(name: "catalog", source: .arpa(model.arpa), weight: catalogWeight))
            }
            if model == nil || mixGeneralModel {
                components.append(
                    .init(name: "general", source: .file(self.decoder.generalLanguageModel), weight: 1 - catalogWeight))
            }
            try decoder.setLanguageModel(components)
            decoder.reset()
            return decoder
        } catch {
            throw ASRError(.engine, "Building a decoder failed: \(error)", cause: error)
        }
    }
}
