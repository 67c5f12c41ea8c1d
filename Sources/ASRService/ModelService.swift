internal import Protos
internal import RPCCore
internal import RPCHTTP2Transport
public import ServiceRuntime
internal import Synchronization

/// Where the catalog vocabulary comes from.
public enum VocabularySource: Sendable {
    /// rec-svc's `voiceshop.rec.v1.Rec/Vocabulary`, polled with `known_version`.
    case rec(address: String)
    /// A products JSONL file (the demo catalog), read once.
    case productsFile(String)
    /// Anything else (tests): returns the vocabulary when its version differs from `known`.
    case provider(@Sendable (_ known: Int64?) async throws -> CatalogVocabulary?)
}

/// Keeps the decoders' language model in step with the catalog: builds the catalog model and
/// the decoders for the first vocabulary (health stays NOT_SERVING until then), then polls
/// for a new vocabulary version and swaps in new decoders without dropping calls.
///
/// ## Shutdown
/// Cancelling `run()` stops the polling; a build in progress finishes on its own thread and
/// is discarded.
public final class ModelService: Service {
    let pool: DecoderPool
    let source: VocabularySource
    let settings: EngineSettings
    let pollInterval: Duration
    let maxTerms: Int32
    let logger: Logger
    let onReady: @Sendable (String) -> Void
    /// The dictionary and the general model's ranked words, read with the first generation.
    private let lexicon = Mutex<DecoderLexicon?>(nil)

    /// - Parameters:
    ///   - onReady: called with the model version each time a generation is installed.
    public init(
        pool: DecoderPool, source: VocabularySource, settings: EngineSettings, pollInterval: Duration = .seconds(10),
        maxTerms: Int32 = 5_000, logger: Logger, onReady: @escaping @Sendable (String) -> Void
    ) {
        self.pool = pool
        self.source = source
        self.settings = settings
        self.pollInterval = pollInterval
        self.maxTerms = maxTerms
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let channel: HTTP2Channel?
        if case .rec(let address) = source { channel = try HTTP2Channel(target: address) } else { channel = nil }
        defer { channel?.close() }
        var known: Int64?
        while !Task.isCancelled {
            do {
                if let vocabulary = try await fetch(known: known, channel: channel) {
                    try await install(vocabulary)
                    known = vocabulary.version
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("vocabulary update failed", ["error": "\(error)", "known_version": known.map { "\($0)" } ?? "none"])
            }
            if case .productsFile = source, known != nil { break }
            do {
                try await Task.sleep(for: known == nil ? min(pollInterval, .seconds(1)) : pollInterval)
            } catch { return }
        }
        if case .productsFile = source {
            // Nothing to poll; stay alive until shutdown like the other services.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
    }

    private func fetch(known: Int64?, channel: HTTP2Channel?) async throws -> CatalogVocabulary? {
        switch source {
        case .rec:
            let client = RecV1.Rec.Client(channel: channel!)
            var request = RecV1.VocabularyRequest()
            request.knownVersion = known ?? 0
            request.maxTerms = maxTerms
            let response = try await client.vocabulary(request, options: CallOptions(timeout: .seconds(10)))
            return response.unchanged && known != nil ? nil : CatalogVocabulary(response)
        case .productsFile(let path):
            return known == nil ? try CatalogVocabulary.load(productsFile: path) : nil
        case .provider(let provide):
            return try await provide(known)
        }
    }

    /// Builds a generation for `vocabulary` and installs it.
    func install(_ vocabulary: CatalogVocabulary) async throws(ASRError) {
        let start = ContinuousClock.now
        let settings = settings
        let size = pool.size
        let version = "catalog-v\(vocabulary.version)"
        let cachedLexicon = lexicon.withLock { $0 }
        let built = try await WorkerThread.detached("asr-model-build") {
            () throws(ASRError) -> ([DecoderBox], [String: String], DecoderLexicon) in
            let lexicon: DecoderLexicon
            if let cachedLexicon { lexicon = cachedLexicon } else {
                lexicon = try DecoderLexicon(settings: settings.decoder, generalWords: settings.generalWords)
            }
            let model = CatalogLanguageModel(vocabulary: vocabulary, settings: settings.corpus, dictionary: lexicon.dictionary.contains)
            var decoderSettings = settings
            let kept = lexicon.words(for: model)
            if settings.generalWords != nil { decoderSettings.decoder.dictionaryText = lexicon.dictionary.text(keeping: kept) }
            var boxes: [DecoderBox] = []
            for _ in 0..<size { boxes.append(DecoderBox(engine: try decoderSettings.makeDecoder(model), modelVersion: version)) }
            let facts = [
                "sentences": "\(model.sentenceCount)", "unigrams": "\(model.statistics.unigrams)",
                "bigrams": "\(model.statistics.bigrams)", "trigrams": "\(model.statistics.trigrams)",
                "letter_to_sound_words": "\(model.pronunciations.count)",
                "dictionary_words": "\(settings.generalWords == nil ? lexicon.dictionary.words.count : kept.count)",
            ]
            return (boxes, facts, lexicon)
        }
        lexicon.withLock { $0 = built.2 }
        pool.install(built.0, modelVersion: version)
        var fields: [String: any Sendable] = built.1
        fields["model_version"] = version
        fields["decoders"] = size
        fields["seconds"] = "\(ContinuousClock.now - start)"
        logger.info("language model installed", fields)
        onReady(version)
    }
}

// `PocketSphinx` is imported for the decoder type only.
internal import PocketSphinx
