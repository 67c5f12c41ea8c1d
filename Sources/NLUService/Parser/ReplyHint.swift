public import Protos

/// A short phrase the voice reply can build on: "red Nike dresses under $50", "order 1042",
/// "2 of the second one". For a search it is a plural noun phrase that fits "I found 40 …";
/// the sort is left to the reply ("the cheapest is …").
public enum ReplyHint {
    /// - Parameters:
    ///   - tokens, tags: the utterance's words and their BIO tags, for the search's subject
    ///     ("kitchen knives" when only "kitchen" is a category).
    public static func make(_ response: NLUV1.ParseResponse, tokens: [String], tags: [String]) -> String {
        let filters = response.filters ?? NLUV1.Filters()
        let ordinal = response.slots.first { $0.name == "ordinal" }.map { describe(ordinal: $0.normalized) }
        let item = ordinal ?? (response.productIDs.count > 1 ? "those" : response.productIDs.isEmpty ? "it" : "that one")
        switch response.intent {
        case .searchProducts: return search(filters, tokens: tokens, tags: tags)
        case .askPrice: return "the price of \(item)"
        case .comparePrices: return "comparing prices of \(response.productIDs.isEmpty ? "the results" : item)"
        case .readReviews: return "reviews of \(item)"
        case .productDetails: return "details of \(item)"
        case .addToCart: return "adding \(response.quantity > 1 ? "\(response.quantity) of " : "")\(item) to the cart"
        case .removeFromCart: return "removing \(item) from the cart"
        case .viewCart: return "your cart"
        case .checkout: return "checking out"
        case .orderStatus: return response.orderID.isEmpty ? "your order status" : "the status of order \(response.orderID)"
        case .trackShipment: return response.orderID.isEmpty ? "tracking your shipment" : "tracking order \(response.orderID)"
        case .returnItem: return response.orderID.isEmpty ? "a return" : "a return from order \(response.orderID)"
        case .customerService: return "connecting you with customer service"
        case .greetingHelp: return "what I can do"
        default: return "not understood"
        }
    }

    static func describe(ordinal: String) -> String {
        switch ordinal {
        case "1": "the first one"
        case "2": "the second one"
        case "3": "the third one"
        case "4": "the fourth one"
        case "5": "the fifth one"
        case "-1": "the last one"
        case "-2": "the one before last"
        default: "number \(ordinal)"
        }
    }

    static func search(_ filters: NLUV1.Filters, tokens: [String], tags: [String]) -> String {
        var words: [String] = []
        if !filters.color.isEmpty { words.append(filters.color) }
        if !filters.material.isEmpty { words.append(filters.material) }
        if !filters.brand.isEmpty { words.append(filters.brand) }
        let category = filters.category.split(separator: "/").last.map { $0.lowercased() } ?? ""
        words.append(subject(tokens, tags) ?? (category.isEmpty ? "products" : plural(category)))
        if !filters.size.isEmpty { words.append("in size \(filters.size)") }
        let symbol = filters.currency == "EUR" ? "€" : filters.currency == "GBP" ? "£" : "$"
        if filters.priceMin > 0, filters.priceMax > 0 {
            words.append("from \(symbol)\(SpokenNumbers.format(filters.priceMin)) to \(symbol)\(SpokenNumbers.format(filters.priceMax))")
        } else if filters.priceMax > 0 {
            words.append("under \(symbol)\(SpokenNumbers.format(filters.priceMax))")
        } else if filters.priceMin > 0 {
            words.append("over \(symbol)\(SpokenNumbers.format(filters.priceMin))")
        }
        if filters.ratingMin > 0 { words.append("rated \(SpokenNumbers.format(Double(filters.ratingMin))) stars or more") }
        return words.joined(separator: " ")
    }

    /// What the search is for, as said, in the plural: the first category or product slot and
    /// the words that go on naming it, other category or product slots or untagged words that
    /// are not request phrasing ("kitchen knives", "face creams", "lego sets"); at most five words.
    static func subject(_ tokens: [String], _ tags: [String]) -> String? {
        guard tokens.count == tags.count,
            let start = tags.indices.first(where: { tags[$0] == "B-category" || tags[$0] == "B-product" })
        else { return nil }
        var end = start + 1
        while end < tokens.count, end - start < 5 {
            let tag = tags[end]
            let naming = tag.hasSuffix("-category") || tag.hasSuffix("-product")
            let word = tokens[end]
            let plain =
                tag == "O" && !SlotNormalizer.carrierWords.contains(word) && !afterthoughts.contains(word) && !SpokenNumbers.isNumberWord(word)
            guard naming || plain else { break }
            end += 1
        }
        let words = tokens[start..<end].filter { !SpokenNumbers.isNumberWord($0) }
        guard let head = words.last else { return nil }
        return (words.dropLast() + [plural(head)]).joined(separator: " ")
    }

    /// Words said after the thing that do not name it ("headphones asap").
    static let afterthoughts: Set<String> = [
        "asap", "today", "tonight", "tomorrow", "again", "too", "online", "instead", "maybe", "though", "here", "there",
        "right", "quickly", "fast", "soon", "sale", "clearance", "please",
    ]

    /// Nouns that take no plural, or name a department rather than a thing ("jewelry",
    /// "kitchen"): "products" follows them ("12 jewelry products").
    static let uncountable: Set<String> = [
        "jewelry", "jewellery", "clothing", "makeup", "skincare", "haircare", "furniture", "luggage", "equipment", "lego",
        "bedding", "decor", "cookware", "bakeware", "tableware", "glassware", "stationery", "apparel", "denim",
        "lingerie", "merchandise", "gear", "kitchen", "home", "beauty", "electronics", "audio",
    ]

    /// Plurals not made with -s, and those words' plurals themselves (which stay).
    static let irregularPlurals: [String: String] = [
        "man": "men", "men": "men", "woman": "women", "women": "women", "child": "children", "children": "children",
        "person": "people", "people": "people", "foot": "feet", "feet": "feet", "mouse": "mice", "mice": "mice",
    ]

    /// The plural of the last word of `phrase` ("dress" → "dresses", "face cream" → "face
    /// creams", "kitchen" → "kitchen products"); words already plural ("jeans", "sneakers") stay.
    static func plural(_ phrase: String) -> String {
        var words = phrase.split(separator: " ").map(String.init)
        guard let word = words.last, word.count > 1, word.allSatisfy(\.isLetter) else { return phrase }
        let vowels: Set<Character> = ["a", "e", "i", "o", "u"]
        let form: String
        if let irregular = irregularPlurals[word] {
            form = irregular
        } else if uncountable.contains(word) || word.hasSuffix("wear") {
            form = word + " products"
        } else if word.hasSuffix("ss") || word.hasSuffix("sh") || word.hasSuffix("ch") || word.hasSuffix("x") || word.hasSuffix("z") {
            form = word + "es"
        } else if word.hasSuffix("s") {
            form = word
        } else if word.hasSuffix("y"), let before = word.dropLast().last, !vowels.contains(before) {
            form = word.dropLast() + "ies"
        } else if word.hasSuffix("fe") {
            form = word.dropLast(2) + "ves"
        } else {
            form = word + "s"
        }
        words[words.count - 1] = form
        return words.joined(separator: " ")
    }
}
