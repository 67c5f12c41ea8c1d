/// The training text of the catalog language model: shopping queries for every intent
/// (search, price, reviews, cart, checkout, orders, tracking, returns), made from templates
/// whose slots are filled with the catalog's words, numbers and prices in spoken form.
///
/// Generation is deterministic (a fixed-seed generator), so the same vocabulary always gives
/// the same corpus and the same model.
public struct ShoppingCorpus: Sendable {
    /// The sentences, each a list of words.
    public private(set) var sentences: [[String]] = []

    /// How often each template is filled at random, and how many extra sentences each slot
    /// value gets so that every brand, item and phrase is seen.
    public struct Settings: Sendable, Hashable {
        public var fillsPerTemplate = 80
        public var sentencesPerValue = 3
        public var seed: UInt64 = 0x5EED_A5C0_0FF1_CE42

        public init() {}
    }

    /// The templates by intent. `{slot}` names one of the slot lists below.
    public static let templates: [String: [String]] = [
        "search": [
            "show me {item}", "show me {color} {item}", "show me {brand} {item}", "show me {color} {brand} {item}",
            "i'm looking for {item}", "i'm looking for a {color} {item}", "i am looking for {brand} {item}",
            "find {item}", "find me {color} {item}", "find {material} {item}", "find {brand} {item} under {price}",
            "search for {brand}", "search for {phrase}", "search for {color} {phrase}", "do you have {item}",
            "do you have {brand} {item} in {color}", "do you have {item} in size {size}", "i need {item}",
            "i need a {color} {material} {item}", "i want {brand} {item}", "i want {item} under {price}",
            "show me {item} under {price}", "{item} under {price}", "{color} {item} in size {size}",
            "{brand} {item}", "{brand} {phrase}", "{phrase}", "{color} {phrase}", "show me {term}",
            "anything from {brand}", "show me everything from {brand}", "do you sell {brand}",
            "show me {material} {item} from {brand}", "cheap {item}", "the best {item}",
            "{item} with at least {rating}", "show me {item} rated {rating} or more",
            "show me {item} between {price} and {price}", "i'd like {color} {item} size {size}",
            "can you find {brand} {phrase}", "show me more like this", "show me similar items",
            "sort by price", "sort by lowest price", "sort by rating", "show me the newest {item}",
            "cheapest {brand} {item}", "most expensive {item}", "best rated {brand} {item}", "{color} {item} sorted by price",
            "{item} sorted by rating",
            "only {brand}", "only in {color}", "in {color} please", "size {size} please", "what about in {color}",
        ],
        "price": [
            "how much is the {brand} {item}", "how much is the {phrase}", "how much does the {brand} {phrase} cost",
            "what's the price of the {brand} {item}", "what is the price of the {color} {item}",
            "how much are {brand} {item}", "what does the {ordinal} one cost", "how much is the {ordinal} one",
            "is the {brand} {item} on sale", "compare prices for {item}", "which {item} is cheapest",
            "what's the cheapest {brand} {item}", "is there anything cheaper", "how much is it",
        ],
        "reviews": [
            "show me reviews for the {brand} {item}", "what do people say about the {brand} {item}",
            "what do people say about the {phrase}", "read me the reviews", "read the reviews of the {ordinal} one",
            "are the {brand} {item} any good", "how are the reviews for {brand}", "what's the rating of the {phrase}",
            "show me the best rated {item}", "tell me more about the {ordinal} one", "tell me about the {brand} {phrase}",
            "what is the {phrase} made of", "does the {item} come in {color}",
        ],
        "cart_add": [
            "add the {brand} {item} to my cart", "add {quantity} to my cart", "add it to my cart", "add the {ordinal} one to my cart",
            "add {quantity} {color} {item} to the cart", "put the {color} {item} in my cart", "put it in my basket",
            "add the {phrase} in size {size} to my cart", "i'll take the {ordinal} one", "i'll take {quantity}",
            "buy the {brand} {item}", "add {quantity} of those", "add the {color} one in size {size}",
        ],
        "cart_remove": [
            "remove the {brand} {item} from my cart", "remove the {ordinal} item", "take the {item} out of my cart",
            "delete the {phrase} from my cart", "remove it", "remove everything from my cart", "empty my cart",
            "change the quantity to {quantity}", "i don't want the {item} anymore",
        ],
        "cart_view": [
            "what's in my cart", "show me my cart", "show my cart", "what is in my shopping cart", "view cart",
            "how much is my cart", "what's my total", "open my cart",
        ],
        "checkout": [
            "check out", "checkout", "i want to check out", "check out please", "place my order", "place the order",
            "buy now", "pay now", "proceed to checkout", "complete my order", "yes place the order", "confirm my order",
        ],
        "order_status": [
            "where is my order", "where is my order {order}", "what's the status of my order",
            "what's the status of order {order}", "order status for {order}", "when will my order arrive",
            "when will order {order} arrive", "has my order shipped", "did order {order} ship", "show me my orders",
            "show my recent orders", "check order {order}", "where's my order {order}", "where's my package",
        ],
        "tracking": [
            "track my package", "track my order", "track order {order}", "track my order {order}",
            "tracking number for order {order}", "where is my shipment", "when will it be delivered",
            "give me the tracking for order {order}",
        ],
        "returns": [
            "i want to return my order", "i want to return the {brand} {item}", "return order {order}",
            "how do i return the {item}", "return the {ordinal} item", "i'd like a refund for order {order}",
            "start a return for order {order}", "can i return the {color} {item}", "the {item} doesn't fit",
            "exchange the {item} for size {size}", "what is your return policy", "cancel my order",
            "cancel order {order}", "i want my money back",
        ],
        "help": [
            "help", "what can you do", "talk to a person", "customer service", "hello", "hi", "thank you", "thanks",
            "yes", "no", "never mind", "stop", "go back", "next page", "show me more", "the {ordinal} one",
            "the {color} one", "that one", "yes please", "no thanks",
        ],
    ]

    /// Builds the corpus for `vocabulary`; `isWord` tells whether the dictionary knows a word
    /// (it decides how acronyms are said).
    public init(vocabulary: CatalogVocabulary, settings: Settings = Settings(), isWord: (String) -> Bool = { _ in true }) {
        let slots = Self.slots(vocabulary, isWord: isWord)
        var random = SplitMix64(seed: settings.seed)
        var sentences: [[String]] = []
        let intents = Self.templates.keys.sorted()
        let allTemplates = intents.flatMap { Self.templates[$0]! }.map(Template.init)
        for template in allTemplates {
            for _ in 0..<settings.fillsPerTemplate {
                sentences.append(template.fill(slots, &random))
            }
        }
        // Every value of every slot in a few sentences of its own.
        for slot in slots.keys.sorted() {
            let users = allTemplates.filter { $0.slots.contains(slot) }
            guard !users.isEmpty else { continue }
            for value in slots[slot]! {
                for _ in 0..<settings.sentencesPerValue {
                    let template = users[Int(random.next() % UInt64(users.count))]
                    sentences.append(template.fill(slots, &random, forcing: (slot, value)))
                }
            }
        }
        self.sentences = sentences.filter { !$0.isEmpty }
    }

    /// The slot lists: spoken variants of the catalog's words plus numbers and prices.
    static func slots(_ vocabulary: CatalogVocabulary, isWord: (String) -> Bool) -> [String: [[String]]] {
        func spoken(_ values: [String]) -> [[String]] {
            var seen: Set<[String]> = []
            return values.flatMap { SpokenForm.variants($0, isWord: isWord) }.filter { !$0.isEmpty && seen.insert($0).inserted }
        }
        var items: [String] = []
        for category in vocabulary.categories {
            let parts = category.split(separator: "/").map(String.init)
            guard let leaf = parts.last else { continue }
            items.append(leaf)
            items.append(contentsOf: singular(leaf))
            if parts.count >= 3 {
                let parent = parts[parts.count - 2]
                items.append(parent)
                items.append(contentsOf: singular(parent))
                items.append("\(leaf) \(parent)")
                items.append(contentsOf: singular(parent).map { "\(leaf) \($0)" })
            }
        }
        let sizeNames: [String: String] = [
            "XS": "extra small", "S": "small", "M": "medium", "L": "large", "XL": "extra large", "XXL": "double extra large",
            "NB": "newborn",
        ]
        var slots: [String: [[String]]] = [:]
        slots["brand"] = spoken(vocabulary.brands)
        slots["item"] = spoken(items)
        slots["color"] = spoken(vocabulary.colors)
        slots["material"] = spoken(vocabulary.materials)
        slots["size"] = spoken(vocabulary.sizes.map { sizeNames[$0] ?? $0 } + ["small", "medium", "large"])
        slots["phrase"] = spoken(vocabulary.titlePhrases)
        slots["term"] = spoken(vocabulary.titleTerms)
        slots["quantity"] = (1...10).map { SpokenForm.numberWords($0) } + [["a"], ["another"], ["one", "more"]]
        slots["ordinal"] = ["first", "second", "third", "fourth", "fifth", "last", "next", "other"].map { [$0] }
        slots["rating"] = [["four", "stars"], ["three", "stars"], ["five", "stars"], ["four", "and", "a", "half", "stars"]]
        var prices: [[String]] = []
        var random = SplitMix64(seed: 0x9121_CE5)
        for dollars in [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 75, 80, 90, 100, 120, 150, 200, 250, 300, 400, 500, 1000] {
            prices += SpokenForm.priceVariants(dollars: dollars, cents: 0)
            if dollars == 100 { prices += [["a", "hundred", "dollars"], ["a", "hundred", "bucks"]] }
        }
        for _ in 0..<200 {
            let dollars = Int(random.next() % 300) + 1
            let cents = [99, 95, 50, 49, 0][Int(random.next() % 5)]
            prices += SpokenForm.priceVariants(dollars: dollars, cents: cents)
        }
        slots["price"] = prices.filter { !$0.isEmpty }
        var orders: [[String]] = []
        for _ in 0..<400 {
            let digits = Int(random.next() % 4) + 3
            var limit = 1
            for _ in 0..<digits { limit *= 10 }
            let value = Int(random.next() % UInt64(limit - limit / 10)) + limit / 10
            switch random.next() % 4 {
            case 0: orders.append(SpokenForm.pairedWords(value))
            case 1: orders.append(SpokenForm.numberWords(value))
            default: orders.append(SpokenForm.digitWords(value))
            }
        }
        orders.append(SpokenForm.digitWords(1042))
        orders.append(SpokenForm.pairedWords(1042))
        slots["order"] = orders
        return slots.filter { !$0.value.isEmpty }
    }

    /// dresses → dress, shoes → shoe, watches → watch; nothing for words not ending in s.
    static func singular(_ word: String) -> [String] {
        let lower = word.lowercased()
        guard lower.hasSuffix("s"), !lower.hasSuffix("ss"), lower.count > 3 else { return [] }
        for suffix in ["sses", "shes", "ches", "xes"] where lower.hasSuffix(suffix) { return [String(word.dropLast(2))] }
        if lower.hasSuffix("ies") { return [String(word.dropLast(3)) + "y"] }
        return [String(word.dropLast())]
    }

    /// A template split into literal words and slot names.
    struct Template: Sendable {
        enum Part: Sendable {
            case word(String)
            case slot(String)
        }

        let parts: [Part]
        let slots: Set<String>

        init(_ text: String) {
            parts = text.split(separator: " ").map { piece in
                piece.hasPrefix("{") && piece.hasSuffix("}") ? .slot(String(piece.dropFirst().dropLast())) : .word(String(piece))
            }
            slots = Set(parts.compactMap { if case .slot(let name) = $0 { return name } else { return nil } })
        }

        func fill(_ values: [String: [[String]]], _ random: inout SplitMix64, forcing: (String, [String])? = nil) -> [String] {
            var words: [String] = []
            var forced = false
            for part in parts {
                switch part {
                case .word(let word): words.append(word)
                case .slot(let name):
                    if let forcing, forcing.0 == name, !forced {
                        words += forcing.1
                        forced = true
                    } else if let list = values[name], !list.isEmpty {
                        words += list[Int(random.next() % UInt64(list.count))]
                    } else {
                        return []
                    }
                }
            }
            return words
        }
    }
}

/// A small, fast, seeded generator (SplitMix64), for reproducible corpora.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
