internal import Glibc

/// Builds a trigram language model with interpolated Kneser-Ney smoothing and writes it in
/// ARPA format (what sphinxbase reads).
///
/// - The highest order uses raw counts; lower orders use continuation counts (how many
///   distinct words precede an n-gram), except n-grams that start with `<s>`, which have no
///   left context and keep raw counts.
/// - One absolute discount per order, `D = n1 / (n1 + 2·n2)` from the counts of counts.
/// - An interpolated model is exactly a backoff model: a seen n-gram stores
///   `(c − D)/c(h) + γ(h)·p(w|h′)`, and the history's backoff weight is `γ(h) = D·N1+(h·)/c(h)`.
public struct NGramModelBuilder: Sendable {
    public static let sentenceStart = "<s>"
    public static let sentenceEnd = "</s>"

    private var ids: [String: Int32] = [:]
    private var words: [String] = []
    private var trigrams: [Trigram: Int] = [:]
    private var startBigrams: [Bigram: Int] = [:]

    struct Bigram: Hashable {
        let a: Int32
        let b: Int32
    }

    struct Trigram: Hashable {
        let a: Int32
        let b: Int32
        let c: Int32
    }

    public init() {
        _ = id(Self.sentenceStart)
        _ = id(Self.sentenceEnd)
    }

    private mutating func id(_ word: String) -> Int32 {
        if let existing = ids[word] { return existing }
        let new = Int32(words.count)
        ids[word] = new
        words.append(word)
        return new
    }

    /// The number of distinct words (with `<s>` and `</s>`).
    public var vocabularySize: Int { words.count }
    /// Every word, `<s>` and `</s>` first.
    public var vocabulary: [String] { words }

    /// Counts one sentence (`count` times).
    public mutating func add(_ sentence: [String], count: Int = 1) {
        let words = sentence.flatMap { $0.split(separator: " ").map(String.init) }
        guard !words.isEmpty else { return }
        let tokens = [Int32(0)] + words.map { id($0) } + [Int32(1)]
        startBigrams[Bigram(a: tokens[0], b: tokens[1]), default: 0] += count
        if tokens.count >= 3 {
            for index in 2..<tokens.count {
                trigrams[Trigram(a: tokens[index - 2], b: tokens[index - 1], c: tokens[index]), default: 0] += count
            }
        }
    }

    /// The model's n-gram counts per order, once built.
    public struct Statistics: Sendable, Hashable {
        public var unigrams: Int
        public var bigrams: Int
        public var trigrams: Int
    }

    /// Smooths the counts and writes the ARPA text.
    public func arpa() -> (text: [UInt8], statistics: Statistics) {
        // Bigram counts: raw after <s>, continuation otherwise.
        var bigramCounts: [Bigram: Int] = startBigrams
        for key in trigrams.keys { bigramCounts[Bigram(a: key.b, b: key.c), default: 0] += 1 }
        // Unigram continuation counts: distinct left neighbours.
        var unigramCounts = [Int](repeating: 0, count: words.count)
        for key in bigramCounts.keys { unigramCounts[Int(key.b)] += 1 }

        let d3 = Self.discount(trigrams.values)
        let d2 = Self.discount(bigramCounts.values)
        let d1 = Self.discount(unigramCounts.filter { $0 > 0 })

        // Unigrams, interpolated with the uniform distribution (<s> is never predicted).
        let predicted = words.count - 1
        let unigramTotal = Double(unigramCounts.reduce(0, +))
        let seenUnigrams = Double(unigramCounts.filter { $0 > 0 }.count)
        var unigram = [Double](repeating: 0, count: words.count)
        for index in 1..<words.count {
            let count = Double(unigramCounts[index])
            unigram[index] = (max(count - d1, 0) + d1 * seenUnigrams / Double(predicted)) / unigramTotal
        }

        // Bigrams grouped by history.
        var bigramTotals: [Int32: (sum: Int, distinct: Int)] = [:]
        for (key, count) in bigramCounts {
            let current = bigramTotals[key.a] ?? (0, 0)
            bigramTotals[key.a] = (current.sum + count, current.distinct + 1)
        }
        var unigramBackoff = [Double?](repeating: nil, count: words.count)
        for (history, total) in bigramTotals {
            unigramBackoff[Int(history)] = d2 * Double(total.distinct) / Double(total.sum)
        }
        func bigramProbability(_ a: Int32, _ b: Int32) -> Double {
            let lower = unigram[Int(b)]
            guard let total = bigramTotals[a] else { return lower }
            let gamma = d2 * Double(total.distinct) / Double(total.sum)
            let count = Double(bigramCounts[Bigram(a: a, b: b)] ?? 0)
            return max(count - d2, 0) / Double(total.sum) + gamma * lower
        }
        var bigramProbabilities: [Bigram: Double] = [:]
        for key in bigramCounts.keys { bigramProbabilities[key] = bigramProbability(key.a, key.b) }

        // Trigrams grouped by history.
        var trigramTotals: [Bigram: (sum: Int, distinct: Int)] = [:]
        for (key, count) in trigrams {
            let history = Bigram(a: key.a, b: key.b)
            let current = trigramTotals[history] ?? (0, 0)
            trigramTotals[history] = (current.sum + count, current.distinct + 1)
        }
        var bigramBackoff: [Bigram: Double] = [:]
        for (history, total) in trigramTotals {
            bigramBackoff[history] = d3 * Double(total.distinct) / Double(total.sum)
        }
        var trigramProbabilities: [Trigram: Double] = [:]
        for (key, count) in trigrams {
            let history = Bigram(a: key.a, b: key.b)
            let total = trigramTotals[history]!
            let lower = bigramProbabilities[Bigram(a: key.b, b: key.c)] ?? bigramProbability(key.b, key.c)
            trigramProbabilities[key] = max(Double(count) - d3, 0) / Double(total.sum) + bigramBackoff[history]! * lower
        }

        // ARPA, sorted for a reproducible file.
        var out: [UInt8] = []
        out.reserveCapacity(64 * (words.count + bigramProbabilities.count + trigramProbabilities.count))
        func line(_ text: String) { out.append(contentsOf: text.utf8); out.append(10) }
        line("\\data\\")
        line("ngram 1=\(words.count)")
        line("ngram 2=\(bigramProbabilities.count)")
        line("ngram 3=\(trigramProbabilities.count)")
        line("")
        line("\\1-grams:")
        let order = (0..<Int32(words.count)).sorted { words[Int($0)] < words[Int($1)] }
        for index in order {
            let probability = index == 0 ? "-99" : Self.log10Text(unigram[Int(index)])
            if let backoff = unigramBackoff[Int(index)] {
                line("\(probability) \(words[Int(index)]) \(Self.log10Text(backoff))")
            } else {
                line("\(probability) \(words[Int(index)])")
            }
        }
        line("")
        line("\\2-grams:")
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset) })
        for key in bigramProbabilities.keys.sorted(by: { (rank[$0.a]!, rank[$0.b]!) < (rank[$1.a]!, rank[$1.b]!) }) {
            let text = "\(Self.log10Text(bigramProbabilities[key]!)) \(words[Int(key.a)]) \(words[Int(key.b)])"
            if let backoff = bigramBackoff[key] { line("\(text) \(Self.log10Text(backoff))") } else { line(text) }
        }
        line("")
        line("\\3-grams:")
        for key in trigramProbabilities.keys.sorted(by: {
            (rank[$0.a]!, rank[$0.b]!, rank[$0.c]!) < (rank[$1.a]!, rank[$1.b]!, rank[$1.c]!)
        }) {
            line("\(Self.log10Text(trigramProbabilities[key]!)) \(words[Int(key.a)]) \(words[Int(key.b)]) \(words[Int(key.c)])")
        }
        line("")
        line("\\end\\")
        return (
            out,
            Statistics(unigrams: words.count, bigrams: bigramProbabilities.count, trigrams: trigramProbabilities.count)
        )
    }

    /// D = n1 / (n1 + 2·n2), kept within 0.1...0.9.
    static func discount(_ counts: some Sequence<Int>) -> Double {
        var n1 = 0
        var n2 = 0
        for count in counts {
            if count == 1 { n1 += 1 } else if count == 2 { n2 += 1 }
        }
        guard n1 > 0 else { return 0.5 }
        return min(0.9, max(0.1, Double(n1) / Double(n1 + 2 * n2)))
    }

    /// log10 of a probability with six decimals.
    static func log10Text(_ value: Double) -> String {
        let log = max(-99, log10(max(value, 1e-99)))
        let scaled = (log * 1_000_000).rounded()
        let sign = scaled < 0 ? "-" : ""
        let magnitude = Int(abs(scaled))
        let fraction = String(magnitude % 1_000_000)
        return "\(sign)\(magnitude / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
    }
}
