internal import CPocketSphinx

/// A CMU-format pronunciation dictionary held in memory, to hand decoders a smaller one.
///
/// The decoder's search tree holds every dictionary word its language model knows, and its cost
/// grows with that vocabulary. Debian's general model knows 72,000 words and the CMU dictionary
/// 134,000; `text(keeping:)` writes the lines of just the words a caller chooses (with their
/// pronunciation variants, `word(2)`), such as the general model's most probable words and the
/// catalog's own.
public struct PronunciationDictionary: Sendable {
    /// Every line, in file order, with the word it defines (variants under their base word).
    private let entries: [(word: String, line: String)]
    /// The words the dictionary defines.
    public let words: Set<String>

    /// Parses dictionary text (`word  PH ON ES`, one pronunciation a line).
    public init(text: [UInt8]) {
        var entries: [(word: String, line: String)] = []
        for line in text.split(separator: UInt8(ascii: "\n")) {
            guard let end = line.firstIndex(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }), end > line.startIndex
            else { continue }
            var word = line[line.startIndex..<end]
            // A variant: "word(2)".
            if word.last == UInt8(ascii: ")"), let open = word.lastIndex(of: UInt8(ascii: "(")), open > word.startIndex {
                word = word[word.startIndex..<open]
            }
            entries.append((String(decoding: word, as: UTF8.self), String(decoding: line, as: UTF8.self)))
        }
        self.entries = entries
        words = Set(entries.map(\.word))
    }

    /// Whether the dictionary defines `word`.
    public func contains(_ word: String) -> Bool { words.contains(word) }

    /// The number of pronunciations (lines).
    public var count: Int { entries.count }

    /// Dictionary text with the lines of the words in `kept` only, in file order.
    public func text(keeping kept: Set<String>) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(kept.count * 24)
        for entry in entries where kept.contains(entry.word) {
            text.append(contentsOf: entry.line.utf8)
            text.append(UInt8(ascii: "\n"))
        }
        return text
    }
}

extension PocketSphinxLibrary {
    /// The words of an n-gram model file, most probable first by unigram probability (ties in
    /// model order); sentence markers and `<UNK>` left out.
    /// - Throws: `PocketSphinxError` when sphinxbase cannot read the model.
    public static func wordsByProbability(languageModel path: String) throws(PocketSphinxError) -> [String] {
        guard let logmath = logmath_init(1.0001, 0, 0) else { throw PocketSphinxError("logmath_init failed") }
        defer { logmath_free(logmath) }
        guard let model = ngram_model_read(nil, path, NGRAM_AUTO, logmath) else {
            throw PocketSphinxError("pocketsphinx could not read the language model \(path)")
        }
        defer { ngram_model_free(model) }
        guard let counts = ngram_model_get_counts(model) else { return [] }
        var scored: [(word: String, score: Int32, id: Int32)] = []
        scored.reserveCapacity(Int(counts[0]))
        for id in 0..<Int32(counts[0]) {
            guard let name = ngram_word(model, id) else { continue }
            let word = String(cString: name)
            if word.hasPrefix("<") { continue }
            var used: Int32 = 0
            scored.append((word, ngram_ng_score(model, id, nil, 0, &used), id))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        return scored.map(\.word)
    }
}
