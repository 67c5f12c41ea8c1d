/// BERT's uncased WordPiece tokenizer, as all-MiniLM-L6-v2 was trained with: normalisation
/// and splitting as `TextNormalizer` describes, then greedy longest-match-first WordPiece
/// with "##" continuations, `[UNK]` for a word longer than 100 characters or one that cannot
/// be split into vocabulary pieces, and `[CLS] … [SEP]` around at most `maxTokens - 2` pieces
/// (the rest is cut off).
///
/// Token ids equal those of HF tokenizers (the model's tokenizer.json, no padding) on the
/// fixture strings; `scripts/embeddings_reference.py --check` compares them.
public struct WordPieceTokenizer: Sendable {
    /// The longest sequence the encoder accepts, `[CLS]` and `[SEP]` included (the model's
    /// max_seq_length).
    public static let maxTokens = 256
    /// Words longer than this many Unicode scalars become `[UNK]`.
    public static let maxWordCharacters = 100

    let vocabulary: Vocabulary
    /// The ids of the special tokens.
    public let classifierID: Int32
    public let separatorID: Int32
    public let unknownID: Int32
    public let paddingID: Int32

    /// Loads vocab.txt.
    /// - Throws: `EmbeddingsError` when the file is missing or lacks the special tokens.
    public init(vocabularyPath: String) throws(EmbeddingsError) {
        try self.init(vocabulary: Vocabulary.load(path: vocabularyPath), path: vocabularyPath)
    }

    init(vocabulary: Vocabulary, path: String) throws(EmbeddingsError) {
        guard let cls = vocabulary.id(of: "[CLS]"), let sep = vocabulary.id(of: "[SEP]"),
            let unk = vocabulary.id(of: "[UNK]"), let pad = vocabulary.id(of: "[PAD]")
        else {
            throw EmbeddingsError(code: .modelInvalid, path: path, message: "no [CLS], [SEP], [UNK] or [PAD] token")
        }
        self.vocabulary = vocabulary
        self.classifierID = cls
        self.separatorID = sep
        self.unknownID = unk
        self.paddingID = pad
    }

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { vocabulary.count }

    /// The token ids of `text`: `[CLS]`, the WordPiece ids, `[SEP]`; at most `maxTokens`.
    public func tokenIDs(_ text: String, maxTokens: Int = WordPieceTokenizer.maxTokens) -> [Int32] {
        precondition(maxTokens >= 2, "room for [CLS] and [SEP] at least")
        let limit = maxTokens - 1
        var ids: [Int32] = [classifierID]
        var utf8: [UInt8] = []
        var boundaries: [Int] = []  // byte offset of each scalar in `utf8`, then the end
        TextNormalizer.forEachWord(in: text) { word in
            if word.count > Self.maxWordCharacters {
                ids.append(unknownID)
            } else {
                utf8.removeAll(keepingCapacity: true)
                boundaries.removeAll(keepingCapacity: true)
                for value in word {
                    boundaries.append(utf8.count)
                    UTF8.encode(Unicode.Scalar(value)!) { utf8.append($0) }
                }
                boundaries.append(utf8.count)
                appendPieces(utf8: utf8, boundaries: boundaries, to: &ids)
            }
            return ids.count < limit
        }
        if ids.count > limit { ids.removeSubrange(limit...) }
        ids.append(separatorID)
        return ids
    }

    /// Greedy longest-match-first WordPiece over one word; `[UNK]` for the whole word when a
    /// piece cannot be matched.
    private func appendPieces(utf8: [UInt8], boundaries: [Int], to ids: inout [Int32]) {
        let scalars = boundaries.count - 1
        let firstPiece = ids.count
        utf8.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < scalars {
                var end = scalars
                // A piece longer than the longest token cannot match: skip those ends.
                let room = vocabulary.longestToken - (start > 0 ? 2 : 0)
                while end > start && boundaries[end] - boundaries[start] > room { end -= 1 }
                var found: Int32?
                while end > start {
                    let piece = UnsafeBufferPointer(rebasing: bytes[boundaries[start]..<boundaries[end]])
                    if let id = vocabulary.id(continuation: start > 0, piece) {
                        found = id
                        break
                    }
                    end -= 1
                }
                guard let id = found else {
                    ids.removeSubrange(firstPiece...)
                    ids.append(unknownID)
                    return
                }
                ids.append(id)
                start = end
            }
        }
    }
}
