public import Protos

/// Corrects misheard catalog names in recognised text, and reports every change.
///
/// Two sources of evidence, in order:
/// 1. The recogniser's other hypotheses: when a lower-ranked alternative contains a catalog
///    name that the top hypothesis lacks, the alternative is taken ("asr alternative N").
/// 2. Sound and spelling: a run of one to three words that contains a word the model never saw
///    in training and that sounds like (Double Metaphone) or is spelt like (edit distance) a
///    brand, category, colour or material is replaced by it ("a dentist" → "adidas", "mike" →
///    "nike", "leave ice" → "levi's"). Where the tagger expects an entity there, a looser
///    match is accepted. Elsewhere the run must also hold a word that is not everyday English
///    (`EnglishWords`): "something nice for my mom" keeps its "nice". Words the model knows are
///    never replaced, so common phrasing ("shoes under fifty") is left alone.
public struct Corrector: Sendable {
    public let model: NLUModel
    public let gazetteer: Gazetteer
    public let englishWords: EnglishWords

    public init(model: NLUModel, gazetteer: Gazetteer, englishWords: EnglishWords = EnglishWords()) {
        self.model = model
        self.gazetteer = gazetteer
        self.englishWords = englishWords
    }

    /// The corrected tokens and the corrections made, in text order.
    public func correct(_ tokens: [String], alternatives: [NLUV1.AsrAlternative]) -> (
        tokens: [String], corrections: [NLUV1.Correction]
    ) {
        var tokens = tokens
        var corrections: [NLUV1.Correction] = []
        if let (index, better) = betterAlternative(tokens, alternatives) {
            let (from, to) = difference(tokens, better)
            let type = entityTypes(better, in: to).first ?? ""
            corrections.append(
                NLUV1.Correction(
                    from: tokens[from].joined(separator: " "), to: better[to].joined(separator: " "),
                    entityType: type, reason: "asr alternative \(index + 1) names a catalog \(type.isEmpty ? "entity" : type)"))
            tokens = better
        }
        let fuzzy = fuzzyCorrections(tokens)
        // Apply right to left so earlier offsets stay valid; report left to right.
        for candidate in fuzzy.reversed() {
            tokens.replaceSubrange(candidate.start..<candidate.end, with: gazetteer.preferredTokens(candidate.entry))
        }
        corrections += fuzzy.map { candidate in
            NLUV1.Correction(
                from: candidate.heard, to: gazetteer.preferredTokens(candidate.entry).joined(separator: " "),
                entityType: candidate.entry.type.rawValue, reason: candidate.reason)
        }
        return (tokens, corrections)
    }

    /// Whether the word is one the model or the gazetteer knows (never corrected).
    func isKnown(_ word: String) -> Bool {
        model.knows(word) || gazetteer.words.contains(word) || SpokenNumbers.isNumberWord(word)
    }

    // MARK: - Alternatives

    func entityCount(_ tokens: [String]) -> Int { gazetteer.exactMatches(tokens).count }

    func entityTypes(_ tokens: [String], in range: Range<Int>) -> [String] {
        gazetteer.exactMatches(tokens).filter { $0.start < range.upperBound && $0.end > range.lowerBound }
            .map { gazetteer.entries[$0.entry].type.rawValue }
    }

    /// The first alternative (in the order given) that names more catalog entities than the
    /// top hypothesis, with its index in `alternatives`.
    func betterAlternative(_ tokens: [String], _ alternatives: [NLUV1.AsrAlternative]) -> (Int, [String])? {
        let base = entityCount(tokens)
        for (index, alternative) in alternatives.enumerated() {
            let candidate = Utterance(alternative.transcript).tokens
            guard !candidate.isEmpty, candidate != tokens, candidate.count <= 200 else { continue }
            if entityCount(candidate) > base { return (index, candidate) }
        }
        return nil
    }

    /// The differing middle of two token lists (after their common prefix and suffix).
    func difference(_ a: [String], _ b: [String]) -> (from: Range<Int>, to: Range<Int>) {
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
            suffix += 1
        }
        return (prefix..<(a.count - suffix), prefix..<(b.count - suffix))
    }

    // MARK: - Sound and spelling

    struct Candidate {
        var start: Int
        var end: Int
        var entry: Gazetteer.Entry
        var score: Double
        var heard: String
        var reason: String
    }

    static let entityTags: Set<String> = ["brand", "category", "color", "material"]

    func fuzzyCorrections(_ tokens: [String]) -> [Candidate] {
        let unknown = tokens.map { !isKnown($0) }
        guard unknown.contains(true) else { return [] }
        var covered = [Bool](repeating: false, count: tokens.count)
        for match in gazetteer.exactMatches(tokens) {
            for index in match.start..<match.end { covered[index] = true }
        }
        let prediction = model.predict(tokens, gazetteer: gazetteer)
        var candidates: [Candidate] = []
        for start in tokens.indices {
            for length in 1...3 where start + length <= tokens.count {
                let range = start..<(start + length)
                guard unknown[range].contains(true), !covered[range].contains(true),
                    !tokens[range].contains(where: { SpokenNumbers.isNumberWord($0) })
                else { continue }
                // Spans start and end on words that are unknown or short function words the
                // recogniser splits names into ("a dentist").
                let words = Array(tokens[range])
                guard unknown[range.lowerBound] || words[0].count <= 2, unknown[range.upperBound - 1] || words[length - 1].count <= 2
                else { continue }
                var expected: Gazetteer.EntityType?
                for index in range {
                    let tag = prediction.tags[index]
                    if tag != "O", let type = Gazetteer.EntityType(rawValue: String(tag.dropFirst(2))) { expected = type }
                }
                // An unknown word right before the product noun is where brands go ("a dentist sneakers").
                if expected == nil || expected == .category, range.upperBound < tokens.count,
                    ["B-category", "B-product"].contains(prediction.tags[range.upperBound])
                {
                    expected = .brand
                }
                var match = expected.flatMap { gazetteer.fuzzy(words, type: $0, threshold: .loose) }
                var reason = "the tagger expects a \(expected?.rawValue ?? "name") here"
                // Without the tagger's word for it, only a run with a word that is not English
                // ("nikey", "addidas") is matched: "nice" and "weather" were meant.
                if match == nil, range.contains(where: { unknown[$0] && !englishWords.contains(tokens[$0]) }) {
                    match = gazetteer.fuzzy(words, type: nil, threshold: .strict)
                    reason = "unknown word"
                }
                guard let (entry, score) = match else { continue }
                let sound = DoubleMetaphone(words.joined().lettersAndDigits)
                let how = sound.primary == entry.codes.primary || sound.alternate == entry.codes.alternate
                    ? "sounds like" : "spelt like"
                // Prefer shorter spans on equal scores: a small bonus per word saved.
                candidates.append(
                    Candidate(
                        start: start, end: start + length, entry: entry, score: score - 0.01 * Double(length),
                        heard: words.joined(separator: " "),
                        reason: "\(how) the \(entry.type.rawValue) \(entry.canonical); \(reason)"))
            }
        }
        // Best first, without overlaps; then in text order.
        var chosen: [Candidate] = []
        for candidate in candidates.sorted(by: { $0.score > $1.score || ($0.score == $1.score && $0.start < $1.start) }) {
            if chosen.contains(where: { $0.start < candidate.end && candidate.start < $0.end }) { continue }
            chosen.append(candidate)
        }
        return chosen.sorted { $0.start < $1.start }
    }
}
