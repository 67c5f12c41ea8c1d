import Protos
import RecService
import Testing

/// The in-memory index on a small hand-made catalog: every filter, every sort, facets,
/// relaxing, paging and incremental updates.
@Suite struct CatalogIndexTests {
    static func product(
        _ id: Int64, _ title: String, _ price: Double, brand: String, category: String, color: String = "",
        sizes: [String] = [], material: String = "", stock: Int32 = 5, rating: Float = 0, reviews: Int32 = 0, created: Int64 = 0
    ) -> CatalogProduct {
        var product = CatalogProduct(sku: "sku-\(id)", title: title, price: price)
        product.id = id
        product.brand = brand
        product.category = category
        if !color.isEmpty { product.attributes["color"] = [color] }
        if !sizes.isEmpty { product.attributes["size"] = sizes }
        if !material.isEmpty { product.attributes["material"] = [material] }
        product.stock = stock
        product.rating = rating
        product.reviewCount = reviews
        product.createdAtMs = created
        return product
    }

    static let catalog: [CatalogProduct] = [
        product(1, "Red Floral Summer Dress", 39.99, brand: "Zara", category: "Women/Dresses/Summer", color: "red", sizes: ["S", "M"], material: "cotton", rating: 4.6, reviews: 120, created: 1),
        product(2, "Red Maxi Dress", 79.00, brand: "H&M", category: "Women/Dresses/Maxi", color: "red", sizes: ["M", "L"], material: "viscose", rating: 4.1, reviews: 30, created: 2),
        product(3, "Blue Summer Dress", 29.50, brand: "Zara", category: "Women/Dresses/Summer", color: "navy blue", sizes: ["S"], material: "linen", rating: 3.9, reviews: 8, created: 3),
        product(4, "Sony WH-1000XM5 Wireless Headphones", 349.00, brand: "Sony", category: "Electronics/Headphones/Over-Ear", color: "black", rating: 4.8, reviews: 900, created: 4),
        product(5, "Sony WF-C700N Earbuds", 99.00, brand: "Sony", category: "Electronics/Headphones/In-Ear", color: "white", stock: 0, rating: 4.2, reviews: 200, created: 5),
        product(6, "Bose QuietComfort Headphones", 299.00, brand: "Bose", category: "Electronics/Headphones/Over-Ear", color: "black", rating: 4.7, reviews: 500, created: 6),
        product(7, "Nike Pegasus 40 Running Shoes", 129.99, brand: "Nike", category: "Shoes/Running", color: "red", sizes: ["9", "10"], rating: 4.5, reviews: 60, created: 7),
        product(8, "Adidas Ultraboost Running Shoes", 179.99, brand: "Adidas", category: "Shoes/Running", color: "black", sizes: ["10", "11"], rating: 4.4, reviews: 40, created: 8),
        product(9, "L'Oréal Revitalift Cream", 24.99, brand: "L'Oréal", category: "Beauty/Skincare", rating: 4.0, reviews: 15, created: 9),
        product(10, "Levi's 501 Original Jeans", 69.50, brand: "Levi's", category: "Men/Jeans", color: "blue", sizes: ["32", "34"], material: "cotton", rating: 4.3, reviews: 300, created: 10),
    ]

    /// A unit vector in 8 dimensions at `slope` from the query's axis 0 (cosine 1/√(1+slope²)).
    static func unitVector(slope: Float) -> [Float] {
        let norm = (1 + slope * slope).squareRoot()
        return [1 / norm, slope / norm, 0, 0, 0, 0, 0, 0]
    }

    static func index() -> CatalogIndex {
        let index = CatalogIndex()
        index.rebuild(catalog)
        return index
    }

    func ids(_ outcome: SearchOutcome) -> [Int64] { outcome.hits.map(\.product.id) }

    @Test func analyzerFoldsAccentsStemsPluralsAndDropsFiller() {
        #expect(TextAnalyzer.terms("Show me some L'Oréal creams, please") == ["loreal", "cream"])
        #expect(TextAnalyzer.terms("dresses batteries shoes glasses") == ["dress", "battery", "shoe", "glass"])
        #expect(TextAnalyzer.normalized("Levi's") == TextAnalyzer.normalized("levis"))
    }

    @Test func everyQueryWordMustMatchWhenSomeProductHasThemAll() {
        let outcome = Self.index().search(SearchQuery(text: "red summer dresses"))
        #expect(ids(outcome) == [1])
        #expect(outcome.totalMatches == 1)
        #expect(outcome.hits[0].why.contains("matches 'red summer dresses'"))
    }

    @Test("a basic colour also finds its shades; a shade finds only itself; gray is grey")
    func colorFamilies() {
        let shop = CatalogIndex()
        shop.rebuild([
            Self.product(1, "Logo Hoodie", 39.95, brand: "Gap", category: "Hoodies", color: "navy"),
            Self.product(2, "Zip Hoodie", 45, brand: "Gap", category: "Hoodies", color: "blue"),
            Self.product(3, "Pullover Hoodie", 35, brand: "Gap", category: "Hoodies", color: "grey"),
            Self.product(4, "Wine Hoodie", 35, brand: "Gap", category: "Hoodies", color: "burgundy"),
            Self.product(5, "Heather Hoodie", 35, brand: "Gap", category: "Hoodies", color: "heather gray"),
        ])
        func found(_ color: String) -> Set<Int64> {
            var filters = SearchFilterSet()
            filters.color = color
            return Set(ids(shop.search(SearchQuery(text: "hoodie", filters: filters))))
        }
        #expect(found("blue") == [1, 2])
        #expect(found("navy") == [1])
        #expect(found("red") == [4])
        #expect(found("gray") == [3, 5] && found("grey") == [3, 5])
        var lightBlue = SearchFilterSet()
        lightBlue.color = "light blue"
        #expect(shop.search(SearchQuery(text: "hoodie", filters: lightBlue)).relaxedFilters == ["color"], "a two-word colour is taken as said")
    }

    @Test func anyWordMatchesWhenNoProductHasAll() {
        let outcome = Self.index().search(SearchQuery(text: "sony sandals"))
        #expect(Set(ids(outcome)) == [4, 5])
    }

    @Test func unknownWordsAreIgnored() {
        #expect(Set(ids(Self.index().search(SearchQuery(text: "sony blorptastic")))) == [4, 5])
        #expect(Self.index().search(SearchQuery(text: "blorptastic")).totalMatches == 0)
    }

    @Test(arguments: [
        ("brand", [Int64(4), 5]), ("category", [4, 5, 6]), ("color", [3, 10]), ("size", [7, 8]), ("material", [1, 10]),
        ("price", [1, 3, 9]), ("rating", [4, 6]), ("stock", [4, 6]),
    ])
    func eachFilterIsExact(filter: String, expected: [Int64]) {
        var filters = SearchFilterSet()
        var text = ""
        switch filter {
        case "brand": filters.brand = "sony"
        case "category": filters.category = "headphones"
        case "color": filters.color = "blue"
        case "size": filters.size = "10"
        case "material": filters.material = "Cotton"
        case "price": filters.priceMax = 40
        case "rating": filters.ratingMin = 4.7
        default:
            filters.inStockOnly = true
            text = "headphones"
        }
        let outcome = Self.index().search(SearchQuery(text: text, filters: filters, pageSize: 20))
        #expect(Set(ids(outcome)) == Set(expected), "\(filter)")
        #expect(outcome.relaxedFilters.isEmpty)
    }

    @Test func categoryPathPrefixes() {
        var filters = SearchFilterSet()
        filters.category = "Women/Dresses"
        #expect(Set(ids(Self.index().search(SearchQuery(text: "", filters: filters)))) == [1, 2, 3])
        filters.category = "Dresses/Summer"
        #expect(Set(ids(Self.index().search(SearchQuery(text: "", filters: filters)))) == [1, 3])
        filters.category = "Summer/Dresses"
        #expect(Self.index().search(SearchQuery(text: "", filters: filters)).relaxedFilters == ["category"])
    }

    @Test func sortsOrderByTheirKey() {
        let index = Self.index()
        func order(_ sort: RecV1.Sort) -> [Int64] { ids(index.search(SearchQuery(text: "headphones", sort: sort, pageSize: 10))) }
        let prices = order(.priceAsc).map { id in Self.catalog.first { $0.id == id }!.price }
        #expect(prices == prices.sorted() && prices.count == 3)
        #expect(order(.priceDesc) == order(.priceAsc).reversed())
        #expect(order(.ratingDesc) == [4, 6, 5])
        #expect(order(.newest) == [6, 5, 4])
    }

    @Test func facetsCountAllMatches() {
        var filters = SearchFilterSet()
        filters.category = "dresses"
        let outcome = Self.index().search(SearchQuery(text: "dress", filters: filters, pageSize: 1))
        #expect(outcome.hits.count == 1 && outcome.totalMatches == 3)
        #expect(outcome.facets.brands.map(\.value) == ["Zara", "H&M"])
        #expect(outcome.facets.brands.map(\.count) == [2, 1])
        #expect(outcome.facets.prices.map(\.count).reduce(0, +) == 3)
        #expect(outcome.facets.prices.first?.minPrice == 25)
    }

    @Test func facetsListTheTwentyLargestWithTiesByName() {
        // 40 brands in 30 categories, with counts from 1 to 4 so that many tie at the cut.
        var products: [CatalogProduct] = []
        var expected: [String: Int32] = [:]
        var id: Int64 = 0
        for brand in 0..<40 {
            let name = "Brand \(String(UnicodeScalar(UInt8(65 + (brand * 7) % 26))))\(brand)"
            for _ in 0...(brand % 4) {
                id += 1
                products.append(Self.product(id, "Canvas tote bag", 10, brand: name, category: "Bags/Totes/Style \(id % 30)"))
                expected[name, default: 0] += 1
            }
        }
        id += 1
        products.append(Self.product(id, "Canvas tote bag", 10, brand: "", category: "Bags/Totes/Style 0"))
        let index = CatalogIndex()
        index.rebuild(products)
        let outcome = index.search(SearchQuery(text: "canvas tote", pageSize: 5))
        #expect(outcome.totalMatches == products.count)
        let reference = expected.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(20)
        #expect(outcome.facets.brands.map(\.value) == reference.map(\.key))
        #expect(outcome.facets.brands.map(\.count) == reference.map(\.value))
        // Categories: 30 in the catalog, the 20 largest listed, the counts those of the matches.
        #expect(outcome.facets.categories.count == 20)
        let categoryCounts = Dictionary(grouping: products, by: \.category).mapValues { Int32($0.count) }
        let categoryReference = categoryCounts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(20)
        #expect(outcome.facets.categories.map(\.value) == categoryReference.map(\.key))
    }

    @Test func nothingMatchingRelaxesFiltersInTheDocumentedOrder() {
        var filters = SearchFilterSet()
        filters.color = "green"
        filters.ratingMin = 4.9
        filters.category = "dresses"
        let outcome = Self.index().search(SearchQuery(text: "dress", filters: filters))
        #expect(outcome.relaxedFilters == ["rating_min", "color"])
        #expect(Set(ids(outcome)) == [1, 2, 3])
    }

    /// "Boys' gifts from $20 to $30" where no boys' product is a gift: the price bounds go,
    /// then the category, and once something matches the price bounds come back, so the
    /// answer keeps what the shopper said about the price.
    @Test func filtersDroppedBeforeTheOneThatMatteredArePutBack() {
        let index = CatalogIndex()
        index.rebuild([
            Self.product(1, "Hot Wheels Gift Pack", 21.99, brand: "Mattel", category: "Toys/Cars"),
            Self.product(2, "Lego Gift Set", 59.99, brand: "Lego", category: "Toys/Building"),
            Self.product(3, "Boys Denim Jacket", 25, brand: "Gap", category: "Kids/Boys"),
        ])
        var filters = SearchFilterSet()
        filters.category = "Kids/Boys"
        filters.priceMin = 20
        filters.priceMax = 30
        let outcome = index.search(SearchQuery(text: "gift", filters: filters))
        #expect(outcome.relaxedFilters == ["category"])
        #expect(ids(outcome) == [1])
        // A bound that still leaves nothing stays dropped; the lower one is kept.
        filters.priceMax = 21
        let tighter = index.search(SearchQuery(text: "gift", filters: filters))
        #expect(tighter.relaxedFilters == ["price_max", "category"])
        #expect(Set(ids(tighter)) == [1, 2])
    }

    @Test func selectiveFiltersStillFillThePage() {
        // 2,000 products, 15 of them blue: a filtered search for 10 must return 10.
        let index = CatalogIndex()
        index.rebuild((1...2_000).map { id in
            Self.product(Int64(id), "Cotton T-Shirt \(id)", 10, brand: "Basic", category: "Men/Shirts", color: id % 133 == 0 ? "blue" : "white")
        })
        var filters = SearchFilterSet()
        filters.color = "blue"
        let outcome = index.search(SearchQuery(text: "cotton shirt", filters: filters, pageSize: 10))
        #expect(outcome.hits.count == 10)
        #expect(outcome.totalMatches == 15)
        #expect(outcome.hits.allSatisfy { $0.product.attributes["color"] == ["blue"] })
        let second = index.search(SearchQuery(text: "cotton shirt", filters: filters, page: 1, pageSize: 10))
        #expect(second.hits.count == 5)
        #expect(Set(ids(outcome)).isDisjoint(with: ids(second)))
    }

    @Test func updatesAndRemovalsAreSeenAtOnce() {
        let index = Self.index()
        var changed = Self.catalog[3]
        changed.title = "Sony Studio Monitor"
        index.upsert([changed])
        #expect(ids(index.search(SearchQuery(text: "wireless"))).isEmpty)
        #expect(ids(index.search(SearchQuery(text: "studio monitor"))) == [4])
        index.remove(ids: [4])
        #expect(ids(index.search(SearchQuery(text: "studio monitor"))).isEmpty)
        #expect(index.count == Self.catalog.count - 1)
    }

    @Test func personalAffinityLiftsAProduct() {
        let index = Self.index()
        let anonymous = ids(index.search(SearchQuery(text: "headphones")))
        let personal = ids(index.search(SearchQuery(text: "headphones")) { $0 == 5 ? 0.99 : 0.5 })
        #expect(anonymous.last == 5)
        #expect(personal.firstIndex(of: 5)! < anonymous.firstIndex(of: 5)!)
    }

    /// The ranking settings come from rec-svc's configuration: each flag sets its own field,
    /// unset ones keep their defaults, and a value that is not a number in range is refused
    /// with a message naming the flag.
    @Test func rankingSettingsComeFromTheConfiguration() throws {
        #expect(try RankingWeights.configured { _ in nil } == RankingWeights())
        // Each setting set to a distinct value in its range reads back from its own field.
        let values = Dictionary(uniqueKeysWithValues: RankingWeights.settings.enumerated().map { index, setting in
            (setting.flag, setting.range.lowerBound + (setting.range.upperBound - setting.range.lowerBound) * Double(index + 1) / 20)
        })
        let configured = try RankingWeights.configured { flag in values[flag].map { " \($0) " } }
        #expect(configured.described == values)
        #expect(configured.vector == values["weight-vector"] && configured.b == values["bm25-b"])
        for (flag, value) in [("weight-stock", "-1"), ("bm25-b", "1.5"), ("weight-text", "nan"), ("bm25-k1", "many"), ("semantic-threshold", "")] {
            #expect {
                _ = try RankingWeights.configured { $0 == flag ? value : nil }
            } throws: { error in
                "\(error)".hasPrefix("--\(flag) must be a number from ") && "\(error)".hasSuffix("not '\(value)'")
            }
        }
    }

    @Test func popularityIsAPrior() {
        let index = Self.index()
        index.setPopularity([6: 1_000])
        let outcome = index.search(SearchQuery(text: "headphones"))
        #expect(outcome.hits.first { $0.product.id == 6 }!.breakdown.popularity == 1)
    }

    /// Twenty shirts the word "shirt" finds and twenty tops it does not, whose vectors are the
    /// closest to the query's: the tops join the matches through the vector side, and how many
    /// join depends on whether the words already found plenty.
    @Test(arguments: [true, false])
    func theVectorSideTakesFewerNeighboursWhenTheWordsMatchPlenty(quantized: Bool) {
        let index = CatalogIndex()
        var products: [CatalogProduct] = []
        var vectors: [(id: Int64, vector: [Float])] = []
        for number in 0..<40 {
            let isShirt = number < 20
            products.append(Self.product(Int64(number + 1), isShirt ? "Cotton Shirt" : "Linen Top", 20, brand: "Acme", category: "Tops"))
            // Cosine with the query (axis 0): about 0.95 down to 0.6 for the tops, 0.3 for the shirts.
            let slope: Float = isShirt ? 3 + Float(number) * 0.01 : 0.3 + Float(number - 20) * 0.06
            vectors.append((Int64(number + 1), Self.unitVector(slope: slope)))
        }
        index.rebuild(products)
        let items = VectorIndex(dimensions: 8)
        items.add(vectors)
        func total(plenty: Int) -> (matches: Int, tops: Int) {
            var semantic = SemanticQuery(vector: [1, 0, 0, 0, 0, 0, 0, 0], items: items)
            semantic.quantized = quantized
            semantic.neighbors = 10
            semantic.plentyOfMatches = plenty
            semantic.neighborsWhenPlenty = 2
            let outcome = index.search(SearchQuery(text: "shirt", pageSize: 40), semantic: semantic)
            return (outcome.totalMatches, outcome.hits.filter { $0.product.title == "Linen Top" }.count)
        }
        // 20 shirts are fewer than 25: the ten nearest tops join.
        #expect(total(plenty: 25) == (30, 10))
        // 20 shirts are plenty at 5: only the two nearest tops join.
        #expect(total(plenty: 5) == (22, 2))
    }
    /// A neighbour the words missed joins when its similarity reaches the threshold, decided
    /// on its exact score where the int8 codes' estimate falls on the other side: 0.6003
    /// against a threshold of 0.6, estimated at about 0.598.
    @Test(arguments: [false, true])
    func theThresholdIsDecidedOnTheExactScore(exactScores: Bool) {
        var weights = RankingWeights()
        weights.semanticThreshold = 0.6
        let index = CatalogIndex(weights: weights)
        index.rebuild([
            Self.product(1, "Silk Scarf", 30, brand: "Acme", category: "Scarves"),
            Self.product(2, "Linen Top", 20, brand: "Acme", category: "Tops"),
        ])
        let close: Float = 0.6003
        let query: [Float] = [1, 0, 0, 0, 0, 0, 0, 0]
        let items = VectorIndex(dimensions: 8)
        items.add([(1, [0, 0, 1, 0, 0, 0, 0, 0]), (2, [close, (1 - close * close).squareRoot(), 0, 0, 0, 0, 0, 0])])
        let estimate = items.approximateScores(query, ids: [2])[0]!
        #expect(estimate < 0.6 && estimate > 0.59, "the case needs an estimate below the threshold: \(estimate)")
        var semantic = SemanticQuery(vector: query, items: items)
        semantic.exactScores = exactScores
        let outcome = index.search(SearchQuery(text: "silk"), semantic: semantic)
        #expect(ids(outcome) == [1, 2])
        #expect(abs(outcome.hits.last!.breakdown.vector - close) < 1e-6)
    }

    /// A query the words find nothing for, whose narrow walk misses its nearest product (one
    /// of 300 queries is picked for that, against the exact search): the search walks again
    /// with a wider beam rather than answer empty.
    @Test func aWalkThatFindsNothingCloseEnoughIsWidenedBeforeAnsweringEmpty() throws {
        let vectors = VectorTests.clustered(count: 600, dimensions: 24, clusters: 12, seed: 31)
        let items = VectorIndex(dimensions: 24)
        items.add(vectors.enumerated().map { (Int64($0.offset + 1), $0.element) })
        let queries = VectorTests.clustered(count: 300, dimensions: 24, clusters: 40, seed: 77)
        // A query whose walk at ef 1 ends below its true nearest, which ef 4 finds.
        let picked = queries.lazy.compactMap { query -> (query: [Float], nearest: VectorIndex.Neighbor, missed: Float)? in
            let exact = items.exactSearch(query, k: 1)[0]
            let narrow = items.search(query, k: 1, ef: 1)[0]
            guard narrow.id != exact.id, items.search(query, k: 1, ef: 4)[0].id == exact.id else { return nil }
            return (query, exact, narrow.score)
        }.first
        let (query, nearest, missed) = try #require(picked, "no query of 300 has a narrow walk that misses")
        var weights = RankingWeights()
        weights.semanticThreshold = Double(missed + nearest.score) / 2
        let index = CatalogIndex(weights: weights)
        index.rebuild((1...600).map { Self.product(Int64($0), "Linen Top \($0)", 20, brand: "Acme", category: "Tops") })
        var semantic = SemanticQuery(vector: query, items: items)
        semantic.neighbors = 1
        semantic.ef = 1
        semantic.quantized = false
        let outcome = index.search(SearchQuery(text: "velvet"), semantic: semantic)
        #expect(ids(outcome) == [nearest.id])
    }

    /// A filter that passes more products than `exactFilteredLimit` walks the graph with the
    /// filter (the passing list is not even finished); fewer are scored exactly. Both find the
    /// same nearest passing products.
    @Test(arguments: [true, false])
    func filteredVectorSideAgreesOnBothPaths(quantized: Bool) {
        let index = CatalogIndex()
        var products: [CatalogProduct] = []
        var vectors: [(id: Int64, vector: [Float])] = []
        for number in 0..<60 {
            // Tops at 10 and 30 dollars, alternating; the query's nearest are the low numbers.
            products.append(Self.product(Int64(number + 1), "Linen Top", number.isMultiple(of: 2) ? 10 : 30, brand: "Acme", category: "Tops"))
            vectors.append((Int64(number + 1), Self.unitVector(slope: 0.1 + Float(number) * 0.05)))
        }
        // The only product with the query's word costs more than the filter allows.
        products.append(Self.product(61, "Silk Scarf", 30, brand: "Acme", category: "Scarves"))
        vectors.append((61, [0, 0, 1, 0, 0, 0, 0, 0]))
        index.rebuild(products)
        let items = VectorIndex(dimensions: 8)
        items.add(vectors)
        func found(limit: Int) -> [Int64] {
            var semantic = SemanticQuery(vector: [1, 0, 0, 0, 0, 0, 0, 0], items: items)
            semantic.quantized = quantized
            semantic.neighbors = 5
            semantic.exactFilteredLimit = limit
            var filters = SearchFilterSet()
            filters.priceMax = 20
            let outcome = index.search(SearchQuery(text: "silk", filters: filters, pageSize: 60), semantic: semantic)
            #expect(outcome.relaxedFilters.isEmpty)
            return outcome.hits.sorted { $0.breakdown.vector > $1.breakdown.vector }.map(\.product.id)
        }
        let exact = found(limit: 1_000)  // 30 pass: scored exactly
        let walked = found(limit: 10)  // past 10: the filtered graph walk
        #expect(exact == [1, 3, 5, 7, 9])
        #expect(walked == exact)
    }
}
