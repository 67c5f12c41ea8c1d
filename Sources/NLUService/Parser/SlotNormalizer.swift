public import Protos

/// Turns the words of a slot into its normalized value: catalog spellings for names, numbers
/// for prices, ratings, quantities and ordinals, digits for order ids, catalog sizes.
public enum SlotNormalizer {
    /// A normalized slot value.
    public struct Value: Hashable, Sendable {
        /// What `Slot.normalized` reports.
        public var text: String
        /// The number, for numeric slots.
        public var number: Double?
        /// The ISO 4217 code a price was said in, or "".
        public var currency: String = ""
    }

    /// Normalizes the words of a slot named `name`. Words that do not parse keep their text.
    public static func normalize(_ name: String, _ words: [String], gazetteer: Gazetteer) -> Value {
        let raw = words.joined(separator: " ")
        switch name {
        case "brand", "category", "color", "material":
            let type = Gazetteer.EntityType(rawValue: name)
            if let (entry, _) = gazetteer.lookup(words, type: type) { return Value(text: entry.canonical) }
            // A category said with filler around it ("kids jackets" when only "jackets" is a name).
            if name == "category" {
                for length in stride(from: words.count - 1, through: 1, by: -1) {
                    for start in 0...(words.count - length) {
                        if let (entry, score) = gazetteer.lookup(Array(words[start..<(start + length)]), type: .category), score == 1 {
                            return Value(text: entry.canonical)
                        }
                    }
                }
            }
            return Value(text: raw)
        case "size":
            return Value(text: SpokenSizes.normalize(words, catalogSizes: gazetteer.sizes) ?? raw)
        case "price_min", "price_max":
            guard let price = SpokenNumbers.price(words) else { return Value(text: raw) }
            return Value(text: SpokenNumbers.format(price.amount), number: price.amount, currency: price.currency)
        case "rating_min":
            guard let rating = SpokenNumbers.rating(words) else { return Value(text: raw) }
            return Value(text: SpokenNumbers.format(rating), number: rating)
        case "quantity":
            guard let quantity = SpokenNumbers.quantity(words) else { return Value(text: raw) }
            return Value(text: String(quantity), number: Double(quantity))
        case "ordinal":
            guard let ordinal = SpokenNumbers.ordinal(words) else { return Value(text: raw) }
            return Value(text: String(ordinal), number: Double(ordinal))
        case "order_id":
            let digits = words.filter { $0 != "number" && $0 != "order" && $0 != "#" }
            return Value(text: SpokenNumbers.digitString(digits) ?? raw)
        case "sort":
            return Value(text: sort(words).protoName ?? "")
        default:
            return Value(text: raw)
        }
    }

    /// The result order a sort phrase asks for.
    public static func sort(_ words: [String]) -> NLUV1.Sort {
        let text = " " + words.joined(separator: " ") + " "
        func has(_ phrases: String...) -> Bool { phrases.contains { text.contains(" \($0) ") } }
        if has("most expensive", "highest price", "priciest", "expensive", "high to low") { return .priceDesc }
        if has("cheapest", "lowest price", "least expensive", "low to high", "price", "cheap", "cheaper") { return .priceAsc }
        if has("rated", "reviewed", "rating", "reviews", "best", "stars") { return .ratingDesc }
        if has("newest", "latest", "new", "recent") { return .newest }
        if has("popular", "popularity", "relevant", "relevance") { return .relevance }
        return .relevance
    }

    /// Words that carry no search meaning: request phrasing, fillers, prepositions.
    static let carrierWords: Set<String> = [
        "show", "me", "find", "i", "want", "need", "looking", "for", "a", "an", "the", "some", "any", "please", "search",
        "do", "you", "have", "got", "get", "i'm", "i'd", "like", "to", "see", "can", "could", "um", "uh", "so", "okay",
        "ok", "hey", "in", "of", "with", "under", "below", "over", "above", "between", "and", "or", "than", "less", "more",
        "at", "least", "most", "from", "that", "cost", "costs", "are", "is", "what", "about", "how", "sell", "carry",
        "now", "thanks", "just", "only", "something", "stuff", "anything", "things", "ones", "one", "it", "them", "my",
        "new", "also", "sorted", "by", "first", "up", "no", "around", "let", "browse", "would", "love", "after",
        "rated", "which", "there", "pull", "guys", "cheap", "size", "dollars", "bucks", "made", "on",
    ]

    /// The words of a search that are neither filters nor request phrasing: the category and
    /// product words and anything else said about the item ("dresses", "for a wedding").
    public static func searchText(_ tokens: [String], tags: [String]) -> String {
        var words: [String] = []
        for (token, tag) in zip(tokens, tags) {
            let name = tag == "O" ? "" : String(tag.dropFirst(2))
            if name == "category" || name == "product" || (name.isEmpty && !carrierWords.contains(token)) {
                words.append(token)
            }
        }
        return words.joined(separator: " ")
    }
}
