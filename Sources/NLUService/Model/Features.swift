/// The features the two models see, as hashes (`FeatureHash`).
enum Features {
    /// Slot-tagger features of every token: the word and its neighbours, word pairs, prefixes
    /// and suffixes, the word's shape, whether it is a number or ordinal word, and the
    /// gazetteer's BIO tag for it and its neighbours.
    static func slot(_ tokens: [String], gazetteerTags: [String]) -> [[UInt64]] {
        let count = tokens.count
        func word(_ index: Int) -> String {
            index < 0 ? "<s>" : index >= count ? "</s>" : tokens[index]
        }
        func gazetteer(_ index: Int) -> String {
            index < 0 || index >= count ? "-" : gazetteerTags[index]
        }
        var result: [[UInt64]] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let current = tokens[index]
            var features: [UInt64] = []
            features.reserveCapacity(28)
            features.append(FeatureHash(1).value)
            features.append(FeatureHash.of(2, current))
            features.append(FeatureHash.of(3, word(index - 1)))
            features.append(FeatureHash.of(4, word(index + 1)))
            features.append(FeatureHash.of(5, word(index - 2)))
            features.append(FeatureHash.of(6, word(index + 2)))
            features.append(FeatureHash.of(7, word(index - 1), current))
            features.append(FeatureHash.of(8, current, word(index + 1)))
            features.append(FeatureHash.of(9, word(index - 2), word(index - 1)))
            features.append(FeatureHash.of(10, word(index + 1), word(index + 2)))
            let scalars = Array(current.unicodeScalars)
            for length in 2...4 where scalars.count > length {
                var prefix = FeatureHash(11)
                var suffix = FeatureHash(12)
                prefix.mix(UInt8(length))
                suffix.mix(UInt8(length))
                for scalar in scalars.prefix(length) { prefix.mix(String(scalar)) }
                for scalar in scalars.suffix(length) { suffix.mix(String(scalar)) }
                features.append(prefix.value)
                features.append(suffix.value)
            }
            features.append(FeatureHash.of(13, shape(current)))
            if SpokenNumbers.isNumberWord(current) {
                features.append(FeatureHash(14).value)
                features.append(FeatureHash.of(15, word(index - 1)))
                features.append(FeatureHash.of(16, word(index + 1)))
            }
            if SpokenNumbers.ordinals[current] != nil { features.append(FeatureHash(17).value) }
            // The nearest function word before the token, within four words ("from" for every
            // word of "from new york city"), alone and with the word.
            if let trigger = (max(0, index - 4)..<index).reversed().first(where: { functionWords.contains(tokens[$0]) }) {
                features.append(FeatureHash.of(23, tokens[trigger]))
                features.append(FeatureHash.of(24, tokens[trigger], current))
            }
            features.append(FeatureHash.of(18, gazetteer(index)))
            features.append(FeatureHash.of(19, gazetteer(index - 1)))
            features.append(FeatureHash.of(20, gazetteer(index + 1)))
            features.append(FeatureHash.of(21, gazetteer(index), word(index - 1)))
            features.append(FeatureHash.of(22, gazetteer(index), word(index + 1)))
            result.append(features)
        }
        return result
    }

    /// Intent features: words, word pairs, character 3- and 4-grams of each word, and the words
    /// with each slot replaced by its name ("show me <color> <category>"), so that an intent is
    /// learnt from the phrasing around the slots rather than from the catalog's words.
    static func intent(_ tokens: [String], slotTags: [String]) -> [UInt64] {
        var features: [UInt64] = [FeatureHash(1).value]
        var previous = "<s>"
        for token in tokens {
            features.append(FeatureHash.of(2, token))
            features.append(FeatureHash.of(3, previous, token))
            previous = token
            let scalars = Array("#\(token)#".unicodeScalars)
            for length in 3...4 where scalars.count >= length {
                for start in 0...(scalars.count - length) {
                    var hash = FeatureHash(4)
                    for scalar in scalars[start..<(start + length)] { hash.mix(String(scalar)) }
                    features.append(hash.value)
                }
            }
        }
        features.append(FeatureHash.of(3, previous, "</s>"))
        // The abstracted sequence.
        var abstracted: [String] = []
        for (index, token) in tokens.enumerated() {
            let tag = index < slotTags.count ? slotTags[index] : "O"
            if tag.hasPrefix("B-") {
                abstracted.append("<\(tag.dropFirst(2))>")
                features.append(FeatureHash.of(7, String(tag.dropFirst(2))))
            } else if tag.hasPrefix("I-") {
                continue
            } else {
                abstracted.append(token)
            }
        }
        previous = "<s>"
        for token in abstracted + ["</s>"] {
            if token.hasPrefix("<") { features.append(FeatureHash.of(5, token)) }
            features.append(FeatureHash.of(6, previous, token))
            previous = token
        }
        return features
    }

    /// Prepositions, conjunctions and the like: the words that say what role the name after
    /// them plays ("from", "to", "under", "for").
    static let functionWords: Set<String> = [
        "from", "to", "in", "on", "at", "for", "with", "between", "and", "or", "of", "by", "before", "after", "around",
        "under", "over", "below", "above", "than", "into", "via", "through", "near", "about", "arriving", "leaving",
        "departing", "returning", "then", "but", "not", "without", "less", "more", "cheaper", "cheapest", "size",
    ]

    /// The word's shape: digits as 9, letters as a, others kept, runs collapsed ("$25.99" → "$9.9").
    static func shape(_ word: String) -> String {
        var result = ""
        var last: Character = " "
        for character in word {
            let mapped: Character = character.isNumber ? "9" : character.isLetter ? "a" : character
            if mapped != last { result.append(mapped) }
            last = mapped
        }
        return result
    }
}
