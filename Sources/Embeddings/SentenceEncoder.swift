internal import CBLAS
internal import Dispatch
internal import Glibc
internal import Synchronization

/// all-MiniLM-L6-v2 sentence vectors, computed in-process: text → 384 floats of unit length
/// (BERT WordPiece tokens, a 6-layer encoder, mean pooling over the sentence's tokens, L2
/// normalisation). Cosine similarity of two vectors is their dot product.
///
/// Load it once per process: the weights (model.bin, 90 MB) are mapped read-only, and only the
/// pages in use become resident (the layer weights, about 43 MB, plus the rows of the word
/// embeddings that the texts touch). Matrix products go through OpenBLAS's `cblas_sgemm`.
///
/// Thread safety: `Sendable`; the weights never change and every call allocates its own
/// scratch memory, so any number of threads may encode at once. The calls are synchronous and
/// CPU-bound (about a millisecond for a short query on one core): call them from a thread or
/// executor of your own for long batches, not from Swift's cooperative pool.
///
/// OpenBLAS threads: creating an encoder sets OpenBLAS to one thread per call
/// (`openblas_set_num_threads(1)`, for the whole process). The matrices of a query are small,
/// and OpenBLAS's own threads made them several times slower; batches are spread over threads
/// by `encode(batch:threads:)` instead. Setting `OPENBLAS_NUM_THREADS=1` in the environment
/// also stops OpenBLAS from starting its idle thread pool when the library loads.
public final class SentenceEncoder: Sendable {
    /// The length of every vector.
    public static let dimensions = 384
    /// The model's folder name under the models directory.
    public static let modelName = "all-minilm-l6-v2"

    /// The tokenizer (vocab.txt of the same model).
    public let tokenizer: WordPieceTokenizer
    private let transformer: Transformer

    /// Loads `model.bin` and `vocab.txt` from `modelDirectory`, which `scripts/fetch-models`
    /// fills (by default `.voiceshop/models/all-minilm-l6-v2`).
    /// - Throws: `EmbeddingsError` `.modelMissing` when a file is missing ("run
    ///   scripts/fetch-models"), `.modelInvalid` when it is not the format this build reads.
    public init(modelDirectory: String) throws(EmbeddingsError) {
        let file = try ModelFile(path: modelDirectory + "/model.bin")
        let vocabularyPath = modelDirectory + "/vocab.txt"
        let tokenizer = try WordPieceTokenizer(vocabularyPath: vocabularyPath)
        let configuration = file.configuration
        guard configuration.hiddenSize == Self.dimensions, configuration.vocabularySize == tokenizer.vocabularySize
        else {
            throw EmbeddingsError(
                code: .modelInvalid,
                path: modelDirectory,
                message: "model.bin (\(configuration.vocabularySize) tokens × \(configuration.hiddenSize)) does not match"
                    + " vocab.txt (\(tokenizer.vocabularySize) tokens) or \(Self.dimensions) dimensions"
            )
        }
        _ = Self.singleThreadedBLAS
        self.tokenizer = tokenizer
        self.transformer = try Transformer(file: file, maxTokens: WordPieceTokenizer.maxTokens)
    }

    /// Loads the model from `$VOICESHOP_MODELS_DIR/all-minilm-l6-v2`, or from
    /// `.voiceshop/models/all-minilm-l6-v2` under the current directory when it is not set.
    /// - Throws: as `init(modelDirectory:)`.
    public convenience init() throws(EmbeddingsError) {
        try self.init(modelDirectory: Self.defaultModelDirectory())
    }

    /// `$VOICESHOP_MODELS_DIR/all-minilm-l6-v2`, or `.voiceshop/models/all-minilm-l6-v2`.
    public static func defaultModelDirectory() -> String {
        let base = getenv("VOICESHOP_MODELS_DIR").map { String(cString: $0) } ?? ".voiceshop/models"
        return base + "/" + modelName
    }

    private static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

    /// The vector of one text (for queries).
    public func encode(_ text: String) -> [Float] {
        encode(tokenIDs: tokenizer.tokenIDs(text))
    }

    /// The vector of an already tokenized text (`tokenizer.tokenIDs(_:)`: `[CLS] … [SEP]`, at
    /// most `WordPieceTokenizer.maxTokens` ids).
    public func encode(tokenIDs: [Int32]) -> [Float] {
        [Float](unsafeUninitializedCapacity: Self.dimensions) { buffer, count in
            transformer.encode([tokenIDs], into: buffer.baseAddress!)
            count = Self.dimensions
        }
    }

    /// The vectors of many texts (for imports), in order; each equals `encode(_:)` of the same
    /// text up to float rounding (cosine > 0.99999).
    ///
    /// Texts are packed into groups of about `tokensPerPack` tokens that go through the
    /// encoder together without padding, which makes the matrix products larger and faster;
    /// `threads` threads (Dispatch workers, not the cooperative pool) take packs in turn.
    /// - Parameters:
    ///   - texts: the texts.
    ///   - threads: how many threads to use (1: only the caller's).
    ///   - tokensPerPack: the token budget of one pack (scratch memory is about 15 kB per token).
    public func encode(batch texts: [String], threads: Int = 1, tokensPerPack: Int = 512) -> [[Float]] {
        let ids = texts.map { tokenizer.tokenIDs($0) }
        var packs: [Range<Int>] = []
        var start = 0
        var tokens = 0
        for (index, sentence) in ids.enumerated() {
            if index > start && tokens + sentence.count > tokensPerPack {
                packs.append(start..<index)
                start = index
                tokens = 0
            }
            tokens += sentence.count
        }
        if start < ids.count { packs.append(start..<ids.count) }

        let d = Self.dimensions
        let flat = UnsafeMutablePointer<Float>.allocate(capacity: max(1, ids.count * d))
        defer { flat.deallocate() }
        let shared = SharedOutput(pointer: flat)
        let next = PackCounter()
        let work: @Sendable (Int) -> Void = { [packs] _ in
            while true {
                let pack = next.value.add(1, ordering: .relaxed).oldValue
                guard pack < packs.count else { return }
                let range = packs[pack]
                self.transformer.encode(Array(ids[range]), into: shared.pointer + range.lowerBound * d)
            }
        }
        let workers = max(1, min(threads, packs.count))
        if workers == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: work)
        }
        return (0..<ids.count).map { Array(UnsafeBufferPointer(start: flat + $0 * d, count: d)) }
    }
}

/// The output buffer of one `encode(batch:)` call, shared by its worker threads.
/// `@unchecked Sendable`: the workers write disjoint ranges (one per pack), and the caller
/// reads only after `concurrentPerform` has returned.
private struct SharedOutput: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
}

/// The next pack to encode, shared by the worker threads of one `encode(batch:)` call.
private final class PackCounter: Sendable {
    let value = Atomic<Int>(0)
}
