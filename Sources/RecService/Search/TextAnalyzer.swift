/// Turns text into index terms, the same way for products and queries: lower case, Latin
/// accents folded ("L'Oréal" → "loreal"), apostrophes dropped, split on anything that is not
/// a letter or digit, a light English plural stemmer ("dresses" → "dress", "batteries" →
/// "battery"), and stop words removed (English function words and the filler of spoken
/// shopping requests: "show me", "i want", "please").
public enum TextAnalyzer {
    /// The terms of `text`, in order, stop words removed, duplicates kept.
    public static func terms(_ text: String) -> [String] {
        tokens(text).filter { !stopWords.contains($0) }
    }

    /// The terms of `text` without removing stop words (for exact field comparisons such as
    /// brand or category names, where "The North Face" must keep "the").
    public static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty {
                result.append(stem(current))
                current = ""
            }
        }
        for scalar in text.unicodeScalars {
            if scalar == "'" || scalar == "\u{2019}" { continue }  // levi's → levis
            if let folded = fold(scalar) {
                current += folded
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current += String(scalar).lowercased()
            } else {
                flush()
            }
        }
        flush()
        return result
    }

    /// The analysed form of a whole value, for equality tests ("Levi's" and "levis" agree).
    public static func normalized(_ text: String) -> String {
        tokens(text).joined(separator: " ")
    }

    /// A light plural stemmer: only endings whose removal is safe for product words.
    static func stem(_ word: String) -> String {
        let count = word.count
        guard count > 3, word.last == "s", word.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic }) else {
            return word
        }
        if word.hasSuffix("ss") || word.hasSuffix("us") || word.hasSuffix("is") { return word }
        if word.hasSuffix("ies") && count > 4 { return String(word.dropLast(3)) + "y" }
        for ending in ["sses", "xes", "ches", "shes", "zes"] where word.hasSuffix(ending) {
            return String(word.dropLast(2))
        }
        if ["potatoes", "tomatoes", "heroes", "echoes", "mangoes", "volcanoes"].contains(word) { return String(word.dropLast(2)) }
        return String(word.dropLast())
    }

    /// Folds the accented Latin letters shops use to ASCII (é → e, ß → ss); nil for others.
    static func fold(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x41...0x5A: return String(Character(Unicode.Scalar(scalar.value + 32)!))
        case 0x61...0x7A, 0x30...0x39: return String(Character(scalar))
        case 0xC0...0xFF, 0x100...0x17F: return latinFolds[scalar.value]
        default: return nil
        }
    }

    private static let latinFolds: [UInt32: String] = {
        var table: [UInt32: String] = [:]
        let groups: [(String, String)] = [
            ("a", "ÀÁÂÃÄÅàáâãäåĀāĂăĄą"), ("c", "ÇçĆćĈĉĊċČč"), ("d", "ĎďĐđÐð"), ("e", "ÈÉÊËèéêëĒēĔĕĖėĘęĚě"),
            ("g", "ĜĝĞğĠġĢģ"), ("h", "ĤĥĦħ"), ("i", "ÌÍÎÏìíîïĨĩĪīĬĭĮįİı"), ("j", "Ĵĵ"), ("k", "Ķķ"),
            ("l", "ĹĺĻļĽľĿŀŁł"), ("n", "ÑñŃńŅņŇň"), ("o", "ÒÓÔÕÖØòóôõöøŌōŎŏŐő"), ("r", "ŔŕŖŗŘř"),
            ("s", "ŚśŜŝŞşŠš"), ("t", "ŢţŤťŦŧ"), ("u", "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų"), ("w", "Ŵŵ"), ("y", "ÝýÿŶŷŸ"),
            ("z", "ŹźŻżŽž"), ("ss", "ß"), ("ae", "Ææ"), ("oe", "Œœ"), ("th", "Þþ"),
        ]
        for (ascii, letters) in groups {
            for scalar in letters.unicodeScalars { table[scalar.value] = ascii }
        }
        return table
    }()

    /// English function words and spoken-request filler. Words that carry a filter ("under",
    /// "cheap", colours) are not here: nlu-svc turns them into filters, and when it did not,
    /// they still help ranking.
    static let stopWords: Set<String> = [
        "a", "an", "and", "any", "are", "as", "at", "be", "by", "can", "could", "do", "for", "from", "get", "give",
        "have", "i", "id", "im", "in", "is", "it", "its", "like", "looking", "me", "my", "need", "of", "on", "or",
        "please", "show", "some", "something", "that", "the", "there", "these", "this", "those", "to", "want",
        "what", "was", "which", "with", "would", "you", "find", "search", "buy", "got", "we", "our", "one",
    ]
}
