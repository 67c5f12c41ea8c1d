internal import Glibc
public import Protos

/// Per-request phrase hints (for example the product names on screen): the n-best list is
/// re-ranked so that alternatives containing hint words, and whole hint phrases, move up.
/// Each matched hint word adds `wordBonus` to the alternative's log confidence; a whole
/// phrase adds `phraseBonus` more. Confidences are renormalised over the list.
public struct HintBias: Sendable {
    public var wordBonus = 1.5
    public var phraseBonus = 2.0
    let phrases: [[String]]
    let words: Set<String>

    /// Words that carry no preference on their own.
    static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "with", "my", "me", "i", "is", "it", "by",
    ]

    public init(hints: [String]) {
        phrases = hints.map { hint in SpokenForm.variants(hint).first ?? [] }.filter { !$0.isEmpty }
        words = Set(phrases.joined().filter { !Self.stopWords.contains($0) })
    }

    /// The alternatives re-ranked, best first.
    public func rerank(_ alternatives: [ASRV1.Alternative]) -> [ASRV1.Alternative] {
        guard !alternatives.isEmpty, !words.isEmpty else { return alternatives }
        let mass = alternatives.reduce(Float(0)) { $0 + $1.confidence }
        let scored = alternatives.map { alternative -> (ASRV1.Alternative, Double) in
            let tokens = alternative.transcript.split(separator: " ").map(String.init)
            let matched = Set(tokens).intersection(words).count
            let whole = phrases.filter { phrase in Self.contains(tokens, phrase) }.count
            let score = log(Double(max(alternative.confidence, 1e-6))) + wordBonus * Double(matched) + phraseBonus * Double(whole)
            return (alternative, score)
        }
        let best = scored.map(\.1).max() ?? 0
        let total = scored.reduce(0.0) { $0 + exp($1.1 - best) }
        return scored.sorted { $0.1 > $1.1 }.map { entry in
            var alternative = entry.0
            alternative.confidence = Float(exp(entry.1 - best) / total) * max(mass, 0)
            return alternative
        }
    }

    static func contains(_ tokens: [String], _ phrase: [String]) -> Bool {
        guard !phrase.isEmpty, tokens.count >= phrase.count else { return false }
        for start in 0...(tokens.count - phrase.count) where Array(tokens[start..<(start + phrase.count)]) == phrase {
            return true
        }
        return false
    }
}
