/// Double Metaphone codes: how an English word sounds, as consonant classes, with a primary
/// and an alternate code where the spelling has two common readings ("Schmidt", "gem").
///
/// This is our own implementation of Lawrence Philips' Double Metaphone rules for the
/// letters and clusters that occur in English product talk and brand names: silent initial
/// letters (KN, GN, PN, WR, PS), CH/SH/TH/PH/GH, soft C and G, TIO/SIO, DG, X → KS, vowels
/// only at the start (as "A"). It leaves out the rarer Slavic, Italian and Spanish special
/// cases of the original. Codes are at most `maximumLength` long.
public struct DoubleMetaphone: Hashable, Sendable {
    public var primary: String
    public var alternate: String

    public static let maximumLength = 8

    /// The codes of `word`; letters other than a–z are ignored (after folding accents).
    public init(_ word: String) {
        let letters = Array(word.lettersAndDigits.unicodeScalars.filter { $0.value >= 0x61 && $0.value <= 0x7A })
            .map { Character($0) }
        var primary = ""
        var alternate = ""
        func add(_ main: String, _ alt: String? = nil) {
            primary += main
            alternate += alt ?? main
        }
        func at(_ index: Int) -> Character? { index >= 0 && index < letters.count ? letters[index] : nil }
        func isVowel(_ index: Int) -> Bool {
            guard let letter = at(index) else { return false }
            return "aeiouy".contains(letter)
        }
        func matches(_ index: Int, _ options: String...) -> Bool {
            for option in options {
                let chars = Array(option)
                if index >= 0, index + chars.count <= letters.count, Array(letters[index..<(index + chars.count)]) == chars {
                    return true
                }
            }
            return false
        }
        var index = 0
        if matches(0, "gn", "kn", "pn", "wr", "ps") { index = 1 }
        if at(0) == "x" {
            add("S")
            index = 1
        }
        while index < letters.count, primary.count < Self.maximumLength || alternate.count < Self.maximumLength {
            let letter = letters[index]
            switch letter {
            case "a", "e", "i", "o", "u", "y":
                if index == 0 { add("A") }
                index += 1
            case "b":
                add("P")
                index += at(index + 1) == "b" ? 2 : 1
            case "c":
                if matches(index, "chr") || (index == 0 && matches(index, "chor", "chem", "char")) {
                    add("K")
                    index += 2
                } else if matches(index, "ch") {
                    add("X", "K")
                    index += 2
                } else if matches(index, "cia") {
                    add("X")
                    index += 3
                } else if matches(index, "cc"), matches(index + 2, "i", "e", "h") {
                    add("KS")
                    index += 3
                } else if matches(index, "ci", "ce", "cy") {
                    add("S")
                    index += 2
                } else if matches(index, "ck", "cg", "cq", "cc") {
                    add("K")
                    index += 2
                } else {
                    add("K")
                    index += 1
                }
            case "d":
                if matches(index, "dg"), matches(index + 2, "i", "e", "y") {
                    add("J")
                    index += 3
                } else if matches(index, "dt", "dd") {
                    add("T")
                    index += 2
                } else {
                    add("T")
                    index += 1
                }
            case "f":
                add("F")
                index += at(index + 1) == "f" ? 2 : 1
            case "g":
                if at(index + 1) == "h" {
                    if index > 0, !isVowel(index - 1) {
                        add("K")
                    } else if index == 0 {
                        add("K")
                    } else if matches(index - 1, "ough", "augh"), at(index + 2) == nil || at(index + 2) == "t" {
                        // "tough", "laugh": F at the end, silent before T ("caught").
                        if at(index + 2) == nil { add("F") }
                    }
                    index += 2
                } else if at(index + 1) == "n" {
                    add("N", "KN")
                    index += 2
                } else if matches(index + 1, "e", "i", "y") {
                    add("J", "K")
                    index += 2
                } else {
                    add("K")
                    index += at(index + 1) == "g" ? 2 : 1
                }
            case "h":
                if (index == 0 || isVowel(index - 1)) && isVowel(index + 1) { add("H") }
                index += 1
            case "j":
                add("J", "H")
                index += at(index + 1) == "j" ? 2 : 1
            case "k":
                add("K")
                index += at(index + 1) == "k" ? 2 : 1
            case "l":
                add("L")
                index += at(index + 1) == "l" ? 2 : 1
            case "m":
                add("M")
                index += at(index + 1) == "m" ? 2 : 1
            case "n":
                add("N")
                index += at(index + 1) == "n" ? 2 : 1
            case "p":
                if at(index + 1) == "h" {
                    add("F")
                    index += 2
                } else {
                    add("P")
                    index += matches(index + 1, "p", "b") ? 2 : 1
                }
            case "q":
                add("K")
                index += at(index + 1) == "q" ? 2 : 1
            case "r":
                add("R")
                index += at(index + 1) == "r" ? 2 : 1
            case "s":
                if matches(index, "sh") {
                    add("X")
                    index += 2
                } else if matches(index, "sio", "sia") {
                    add("X", "S")
                    index += 3
                } else if matches(index, "sch") {
                    add("SK", "X")
                    index += 3
                } else if matches(index, "sc"), matches(index + 2, "i", "e", "y") {
                    add("S")
                    index += 3
                } else {
                    add("S")
                    index += matches(index + 1, "s", "z") ? 2 : 1
                }
            case "t":
                if matches(index, "tion", "tia", "tch") {
                    add("X")
                    index += 3
                } else if matches(index, "th") {
                    add("0", "T")
                    index += 2
                } else {
                    add("T")
                    index += matches(index + 1, "t", "d") ? 2 : 1
                }
            case "v":
                add("F")
                index += at(index + 1) == "v" ? 2 : 1
            case "w":
                if index == 0, isVowel(1) { add("A", "F") }
                index += 1
            case "x":
                add("KS")
                index += matches(index + 1, "c", "x") ? 2 : 1
            case "z":
                add("S")
                index += at(index + 1) == "z" ? 2 : 1
            default:
                index += 1
            }
        }
        self.primary = String(primary.prefix(Self.maximumLength))
        self.alternate = String(alternate.prefix(Self.maximumLength))
    }
}

/// Levenshtein distance between two byte strings (insert, delete and substitute cost 1; an
/// adjacent transposition costs 1 too), without allocating, giving up once the distance must
/// exceed `limit`: the answer is exact when it is at most `limit`, and `limit + 1` otherwise.
/// (A row's minimum never decreases from one row to the next, so once it passes `limit` the
/// distance does.)
func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
    if a.isEmpty || b.isEmpty { return min(max(a.count, b.count), limit + 1) }
    let width = b.count + 1
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * width) { rows in
        var previousPrevious = rows.baseAddress!
        var previous = previousPrevious + width
        var current = previous + width
        for j in 0...b.count {
            previousPrevious[j] = 0
            previous[j] = j
        }
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { value = min(value, previousPrevious[j - 2] + 1) }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return min(previous[b.count], limit + 1)
    }
}

/// 1 minus the edit distance over the longer length (1 for equal, 0 for nothing in common),
/// when only values of at least `minimum` matter: exact from `minimum` up, and some value below
/// `minimum` otherwise (the distance stops early).
func similarity(_ x: [UInt8], _ y: [UInt8], atLeast minimum: Double) -> Double {
    let longest = max(x.count, y.count)
    guard longest > 0 else { return 1 }
    // Distances up to the one `minimum` allows, with a margin of one for rounding, are exact.
    let limit = Int(((1 - minimum) * Double(longest)).rounded(.up)) + 1
    return 1 - Double(editDistance(x, y, limit: limit)) / Double(longest)
}

/// Similarity of two Double Metaphone codes, where consonants a recogniser confuses (M and N,
/// S and X, T and θ, K and G-like J) cost half a substitution.
func soundSimilarity(_ x: [UInt8], _ y: [UInt8]) -> Double {
    let longest = max(x.count, y.count)
    guard longest > 0 else { return 1 }
    guard !x.isEmpty, !y.isEmpty else { return 0 }
    func cost(_ p: UInt8, _ q: UInt8) -> Double {
        if p == q { return 0 }
        switch (min(p, q), max(p, q)) {
        case (UInt8(ascii: "M"), UInt8(ascii: "N")), (UInt8(ascii: "S"), UInt8(ascii: "X")),
            (UInt8(ascii: "0"), UInt8(ascii: "T")), (UInt8(ascii: "J"), UInt8(ascii: "K")),
            (UInt8(ascii: "F"), UInt8(ascii: "P")):
            return 0.5
        default:
            return 1
        }
    }
    var previous = (0...y.count).map(Double.init)
    var current = [Double](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = Double(i)
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost(x[i - 1], y[j - 1]))
        }
        swap(&previous, &current)
    }
    return 1 - previous[y.count] / Double(longest)
}
