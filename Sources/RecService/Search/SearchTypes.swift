public import Protos

/// Exact constraints on search results (the NLU filters). nil means "no constraint".
public struct SearchFilterSet: Hashable, Sendable {
    public var category: String?
    public var brand: String?
    public var color: String?
    public var size: String?
    public var material: String?
    public var priceMin: Double?
    public var priceMax: Double?
    public var ratingMin: Float?
    public var inStockOnly = false

    public init() {}

    /// From the protobuf form, where empty strings and zeros mean "no constraint".
    public init(_ proto: RecV1.SearchFilters?) {
        guard let proto else { return }
        func text(_ value: String) -> String? { value.trimmed.isEmpty ? nil : value.trimmed }
        category = text(proto.category)
        brand = text(proto.brand)
        color = text(proto.color)
        size = text(proto.size)
        material = text(proto.material)
        priceMin = proto.priceMin > 0 ? proto.priceMin : nil
        priceMax = proto.priceMax > 0 ? proto.priceMax : nil
        ratingMin = proto.ratingMin > 0 ? proto.ratingMin : nil
        inStockOnly = proto.inStockOnly
    }

    /// The order in which filters are dropped when nothing matches: the least essential
    /// first. A shopper who asked for "red cotton dresses under $50 rated 4 stars" is best
    /// served by dropping the rating, then the material, the size, the colour and the price
    /// bounds, and only then the brand and, last, the category (what the product is). Once
    /// something matches, the filters dropped before the last one are put back, latest first,
    /// each that still leaves matches: "boys' gifts from $20 to $30" where no boys' product
    /// matches drops the price bounds, then the category, and then gets the price bounds back.
    public static let relaxOrder = [
        "rating_min", "in_stock_only", "material", "size", "color", "price_min", "price_max", "brand", "category",
    ]

    /// The names of the filters set, in `relaxOrder`.
    public var activeNames: [String] {
        Self.relaxOrder.filter { name in
            switch name {
            case "rating_min": ratingMin != nil
            case "in_stock_only": inStockOnly
            case "material": material != nil
            case "size": size != nil
            case "color": color != nil
            case "price_min": priceMin != nil
            case "price_max": priceMax != nil
            case "brand": brand != nil
            default: category != nil
            }
        }
    }

    /// A copy with the named filter as `other` has it.
    public func restoring(_ name: String, from other: SearchFilterSet) -> SearchFilterSet {
        var copy = self
        switch name {
        case "rating_min": copy.ratingMin = other.ratingMin
        case "in_stock_only": copy.inStockOnly = other.inStockOnly
        case "material": copy.material = other.material
        case "size": copy.size = other.size
        case "color": copy.color = other.color
        case "price_min": copy.priceMin = other.priceMin
        case "price_max": copy.priceMax = other.priceMax
        case "brand": copy.brand = other.brand
        default: copy.category = other.category
        }
        return copy
    }

    /// A copy without the named filter.
    public func dropping(_ name: String) -> SearchFilterSet { restoring(name, from: SearchFilterSet()) }
}

/// The weights of the re-ranking blend, the semantic join threshold and BM25's parameters:
/// rec-svc's `--weight-*`, `--semantic-threshold` and `--bm25-*` flags (or their
/// `REC_SVC_…` variables, k8s/base/rec-svc/config.env) override the defaults
/// (`RankingWeights.configured`; services/rec-svc/README.md).
public struct RankingWeights: Hashable, Sendable {
    public var text: Double = 1.0
    public var vector: Double = 0.6
    public var personal: Double = 0.5
    public var popularity: Double = 0.15
    public var rating: Double = 0.15
    public var stock: Double = 0.1
    /// The cosine similarity above which a product the words do not match still counts as a
    /// match of the query (all-MiniLM-L6-v2 puts a paraphrase of a product at about 0.4 to 0.8, unrelated products below 0.25).
    public var semanticThreshold: Double = 0.4
    /// BM25 parameters.
    public var k1: Double = 1.2
    public var b: Double = 0.75

    public init() {}

    /// One configurable setting: its flag, what it is and the values it takes.
    public struct Setting: Sendable {
        public let flag: String
        public let help: String
        public let range: ClosedRange<Double>
        let keyPath: any WritableKeyPath<RankingWeights, Double> & Sendable
    }

    /// The settings, in the order `--help` and the README list them.
    public static let settings: [Setting] = [
        Setting(flag: "weight-text", help: "weight of BM25 relevance (normalised to the best match)", range: 0...100, keyPath: \.text),
        Setting(flag: "weight-vector", help: "weight of the query-product text-vector similarity", range: 0...100, keyPath: \.vector),
        Setting(flag: "weight-personal", help: "weight of the personal score σ(h_u·v_i), centred on 0.5", range: 0...100, keyPath: \.personal),
        Setting(flag: "weight-popularity", help: "weight of popularity (log of recent events)", range: 0...100, keyPath: \.popularity),
        Setting(flag: "weight-rating", help: "weight of the rating (shrunk towards the mean by review count)", range: 0...100, keyPath: \.rating),
        Setting(flag: "weight-stock", help: "weight of being in stock", range: 0...100, keyPath: \.stock),
        Setting(
            flag: "semantic-threshold", help: "cosine at which a product the words missed joins the matches", range: -1...1,
            keyPath: \.semanticThreshold),
        Setting(flag: "bm25-k1", help: "BM25 term-frequency saturation", range: 0...10, keyPath: \.k1),
        Setting(flag: "bm25-b", help: "BM25 length normalisation", range: 0...1, keyPath: \.b),
    ]

    /// A setting that is not a number in its range.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The defaults with each setting that `value(flag)` gives replaced.
    public static func configured(_ value: (String) -> String?) throws(ConfigurationError) -> RankingWeights {
        var weights = RankingWeights()
        for setting in settings {
            guard let text = value(setting.flag) else { continue }
            guard let number = Double(text.trimmed), number.isFinite, setting.range.contains(number) else {
                throw ConfigurationError(
                    description: "--\(setting.flag) must be a number from \(Int(setting.range.lowerBound)) to "
                        + "\(Int(setting.range.upperBound)), not '\(text)'")
            }
            weights[keyPath: setting.keyPath] = number
        }
        return weights
    }

    /// Every setting and its value, for the start-up log.
    public var described: [String: Double] {
        Dictionary(uniqueKeysWithValues: Self.settings.map { ($0.flag, self[keyPath: $0.keyPath]) })
    }
}

/// One search: the query, the filters, the order and the page.
public struct SearchQuery: Sendable {
    public var text: String
    public var filters: SearchFilterSet
    public var sort: RecV1.Sort
    public var page: Int
    public var pageSize: Int

    public init(text: String, filters: SearchFilterSet = SearchFilterSet(), sort: RecV1.Sort = .relevance, page: Int = 0, pageSize: Int = 10) {
        self.text = text
        self.filters = filters
        self.sort = sort
        self.page = page
        self.pageSize = pageSize
    }
}

/// A ranked product with its score parts and explanation.
public struct SearchHit: Sendable {
    public var product: CatalogProduct
    public var score: Double
    public var why: String
    public var breakdown: RecV1.ScoreBreakdown
}

/// The outcome of one search.
public struct SearchOutcome: Sendable {
    public var hits: [SearchHit]
    public var totalMatches: Int
    public var facets: RecV1.Facets
    /// Filters dropped because nothing matched, in the order dropped.
    public var relaxedFilters: [String]
}
