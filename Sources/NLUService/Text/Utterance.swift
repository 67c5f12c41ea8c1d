/// An utterance as the models see it: lower-case tokens split on spaces, punctuation dropped.
///
/// Speech recognisers already emit this shape; typed text is brought to it. Inner apostrophes,
/// hyphens and decimal points stay ("levi's", "t-shirt", "25.99"), a leading `$` stays with
/// its number ("$50"), and everything else that is not a letter or digit separates tokens.
/// Letters outside ASCII are kept (lower-cased), so text in other languages stays visible to
/// the out-of-scope check.
public struct Utterance: Hashable, Sendable {
    /// The tokens, in order.
    public var tokens: [String]

    /// The utterance as `corrected_text` reports it: the tokens joined by single spaces.
    public var text: String { tokens.joined(separator: " ") }

    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Normalizes `text` into tokens.
    public init(_ text: String) {
        var tokens: [String] = []
        var current: [Unicode.Scalar] = []
        func flush() {
            // Trailing joiners ("levi's'", "fifty.") are punctuation, not part of the word.
            while let last = current.last, Self.isJoiner(last) { current.removeLast() }
            if !current.isEmpty, !(current.count == 1 && current[0] == "$") {
                var word = ""
                word.unicodeScalars.append(contentsOf: current)
                tokens.append(word)
            }
            current.removeAll(keepingCapacity: true)
        }
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.append(contentsOf: String(scalar).lowercased().unicodeScalars)
            } else if scalar == "$" && current.isEmpty {
                current.append(scalar)
            } else if Self.isJoiner(scalar), !current.isEmpty, index + 1 < scalars.count,
                scalars[index + 1].properties.isAlphabetic || ("0"..."9").contains(scalars[index + 1])
            {
                current.append(scalar == "\u{2019}" ? "'" : scalar)
            } else if scalar == "&" {
                flush()
                tokens.append("and")
            } else {
                flush()
            }
        }
        flush()
        self.tokens = tokens
    }

    private static func isJoiner(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "'" || scalar == "\u{2019}" || scalar == "-" || scalar == "."
    }

    /// The scalar offsets of each token in `text` (start inclusive, end exclusive).
    public var offsets: [(start: Int, end: Int)] {
        var result: [(start: Int, end: Int)] = []
        result.reserveCapacity(tokens.count)
        var position = 0
        for token in tokens {
            let length = token.unicodeScalars.count
            result.append((position, position + length))
            position += length + 1
        }
        return result
    }
}

extension String {
    /// Only the ASCII letters and digits of the string, lower case ("Levi's" → "levis").
    var lettersAndDigits: String {
        var result = ""
        for scalar in unicodeScalars {
            switch scalar.value {
            case 0x61...0x7A, 0x30...0x39: result.unicodeScalars.append(scalar)
            case 0x41...0x5A: result.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            default:
                if let folded = foldedLatin(scalar) { result += folded }
            }
        }
        return result
    }
}

/// Folds the accented Latin letters brand names use ("é" → "e"); nil for anything else.
func foldedLatin(_ scalar: Unicode.Scalar) -> String? {
    switch scalar {
    case "à", "á", "â", "ã", "ä", "å", "À", "Á", "Â", "Ã", "Ä", "Å": return "a"
    case "ç", "Ç": return "c"
    case "è", "é", "ê", "ë", "È", "É", "Ê", "Ë": return "e"
    case "ì", "í", "î", "ï", "Ì", "Í", "Î", "Ï": return "i"
    case "ñ", "Ñ": return "n"
    case "ò", "ó", "ô", "õ", "ö", "ø", "Ò", "Ó", "Ô", "Õ", "Ö", "Ø": return "o"
    case "ù", "ú", "û", "ü", "Ù", "Ú", "Û", "Ü": return "u"
    case "ý", "ÿ", "Ý": return "y"
    case "ß": return "ss"
    default: return nil
    }
}
