internal import Protos

/// The catalog's words for asr-svc's language model and nlu-svc's gazetteers: every brand,
/// category, colour, material and size, and the most frequent title words and phrases in
/// their spoken (lower-case, unstemmed) form.
enum VocabularyBuilder {
    static func build(_ products: [CatalogProduct], version: Int64, maxTerms: Int) -> RecV1.VocabularyResponse {
        var response = RecV1.VocabularyResponse()
        response.version = version
        func distinct(_ values: some Sequence<String>) -> [String] {
            var seen: [String: String] = [:]
            for value in values where !value.isEmpty { seen[value.lowercased()] = seen[value.lowercased()] ?? value }
            return seen.values.sorted { $0.lowercased() < $1.lowercased() }
        }
        response.brands = distinct(products.map(\.brand))
        response.categories = distinct(products.map(\.category))
        response.colors = distinct(products.flatMap { $0.attributes["color"] ?? [] })
        response.materials = distinct(products.flatMap { $0.attributes["material"] ?? [] })
        response.sizes = distinct(products.flatMap { $0.attributes["size"] ?? [] })
        var words: [String: Int32] = [:]
        var phrases: [String: Int32] = [:]
        for product in products {
            let tokens = spokenWords(product.title)
            for word in Set(tokens) where !TextAnalyzer.stopWords.contains(word) { words[word, default: 0] += 1 }
            var seen: Set<String> = []
            for length in 2...3 where tokens.count >= length {
                for start in 0...(tokens.count - length) {
                    let phrase = tokens[start..<(start + length)].joined(separator: " ")
                    if seen.insert(phrase).inserted { phrases[phrase, default: 0] += 1 }
                }
            }
        }
        func top(_ counts: [String: Int32], minimum: Int32) -> [RecV1.TermCount] {
            counts.filter { $0.value >= minimum }
                .sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                .prefix(maxTerms).map { RecV1.TermCount(term: $0.key, count: $0.value) }
        }
        response.titleTerms = top(words, minimum: 1)
        response.titlePhrases = top(phrases, minimum: 2)
        return response
    }

    /// Lower-case words as a recogniser would hear them: letters, digits and inner
    /// apostrophes ("levi's"); accents folded.
    static func spokenWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            if let folded = TextAnalyzer.fold(scalar) {
                current += folded
            } else if scalar == "'" && !current.isEmpty {
                current += "'"
            } else {
                if !current.isEmpty { words.append(current.hasSuffix("'") ? String(current.dropLast()) : current) }
                current = ""
            }
        }
        if !current.isEmpty { words.append(current.hasSuffix("'") ? String(current.dropLast()) : current) }
        return words
    }
}
