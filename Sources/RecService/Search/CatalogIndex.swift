internal import Glibc
internal import Protos

/// The in-memory search index over the live catalog: a BM25 inverted index over title,
/// brand, category, attributes and description; exact filters; facets; and the re-ranking
/// blend. It is built from PostgreSQL at start and kept in step by `CatalogSync`.
///
/// Thread-safe: searches share a read lock, changes take the write lock. An update
/// tombstones the old document and appends the new one; the index compacts itself when a
/// quarter of it is tombstones.
public final class CatalogIndex: Sendable {
    /// Field weights of the BM25F-style term frequency.
    static let titleWeight: Float = 3, brandWeight: Float = 2, categoryWeight: Float = 2, attributeWeight: Float = 1.5,
        descriptionWeight: Float = 1

    struct Posting {
        var doc: Int32
        var tf: Float
    }

    /// One indexed product. A class: the loops over postings and matches pass documents
    /// around by reference (one retain), never copying the product's strings.
    final class Document {
        let product: CatalogProduct
        let brandID: Int32
        let categoryID: Int32
        /// The analysed segments of the category path ("Women/Dresses" → ["women", "dress"]).
        let categorySegments: [String]
        /// Attribute name → analysed values.
        let attributeValues: [String: [String]]
        let length: Float
        let ratingPrior: Float

        init(
            product: CatalogProduct, brandID: Int32, categoryID: Int32, categorySegments: [String], attributeValues: [String: [String]],
            length: Float, ratingPrior: Float
        ) {
            self.product = product
            self.brandID = brandID
            self.categoryID = categoryID
            self.categorySegments = categorySegments
            self.attributeValues = attributeValues
            self.length = length
            self.ratingPrior = ratingPrior
        }
    }

    struct RankingFields {
        var productID: Int64
        var price: Double
        var rating: Float
        var reviewCount: Int32
        var createdAtMs: Int64
        var ratingPrior: Float
        var inStock: Bool
        var brandID: Int32
        var categoryID: Int32
    }

    struct Storage {
        var documents: [Document?] = []
        var documentOfProduct: [Int64: Int32] = [:]
        var termIDs: [String: Int32] = [:]
        var postings: [[Posting]] = []
        var brandNames: [String] = []
        var brandIDs: [String: Int32] = [:]
        var categoryNames: [String] = []
        var categoryIDs: [String: Int32] = [:]
        /// Documents by brand id and by analysed category segment, so a filtered search
        /// looks only at the products of that brand or category (tombstones are skipped).
        var brandDocuments: [[Int32]] = []
        var segmentDocuments: [String: [Int32]] = [:]
        /// What ranking and facets read of each document, in flat arrays by document, so the
        /// loops over tens of thousands of matches copy no product.
        var ranking: [RankingFields] = []
        /// BM25 length per document; -1 for a tombstone (the postings loop reads only this).
        var lengths: [Float] = []
        var totalLength: Double = 0
        var liveCount = 0
        var tombstones = 0
        /// Interaction counts per product (purchases weigh most), for the popularity prior.
        var popularity: [Int64: Float] = [:]
        var maxPopularity: Float = 0
    }

    private let lock = ReadWriteLock()
    nonisolated(unsafe) private var storage = Storage()
    // nonisolated(unsafe): every access holds `lock`.

    public let weights: RankingWeights

    public init(weights: RankingWeights = RankingWeights()) {
        self.weights = weights
    }

    /// Live products indexed.
    public var count: Int { lock.withReadLock { storage.liveCount } }

    /// Replaces the whole index.
    public func rebuild(_ products: [CatalogProduct]) {
        var fresh = Storage()
        lock.withReadLock {
            fresh.popularity = storage.popularity
            fresh.maxPopularity = storage.maxPopularity
        }
        for product in products { Self.add(product, to: &fresh) }
        lock.withWriteLock { storage = fresh }
    }

    /// Adds or replaces products (by id).
    public func upsert(_ products: [CatalogProduct]) {
        lock.withWriteLock {
            for product in products {
                Self.remove(product.id, from: &storage)
                Self.add(product, to: &storage)
            }
            compactIfNeeded()
        }
    }

    /// Removes products (unknown ids are ignored).
    public func remove(ids: [Int64]) {
        lock.withWriteLock {
            for id in ids { Self.remove(id, from: &storage) }
            compactIfNeeded()
        }
    }

    /// The indexed product with this id.
    public func product(id: Int64) -> CatalogProduct? {
        lock.withReadLock { storage.documentOfProduct[id].flatMap { storage.documents[Int($0)]?.product } }
    }

    /// Whether a live product passes `filters`.
    public func matches(_ id: Int64, _ filters: SearchFilterSet) -> Bool {
        matcher(filters)(id)
    }

    /// A test for many products against the same filters (analysed once).
    public func matcher(_ filters: SearchFilterSet) -> @Sendable (Int64) -> Bool {
        let compiled = lock.withReadLock { compile(filters) }
        return { [self] id in
            lock.withReadLock {
                guard let doc = storage.documentOfProduct[id] else { return false }
                return passes(doc, compiled)
            }
        }
    }

    /// Every live product, in index order.
    public func liveProducts() -> [CatalogProduct] {
        lock.withReadLock { storage.documents.compactMap { $0?.product } }
    }

    /// Sets the popularity counts (from the event history at start).
    public func setPopularity(_ counts: [Int64: Float]) {
        lock.withWriteLock {
            storage.popularity = counts
            storage.maxPopularity = counts.values.max() ?? 0
        }
    }

    /// Adds to one product's popularity (an event was recorded).
    public func addPopularity(_ amount: Float, to id: Int64) {
        lock.withWriteLock {
            let value = storage.popularity[id, default: 0] + amount
            storage.popularity[id] = value
            storage.maxPopularity = max(storage.maxPopularity, value)
        }
    }

    // MARK: - Building

    private static func add(_ product: CatalogProduct, to storage: inout Storage) {
        let doc = Int32(storage.documents.count)
        var frequencies: [String: Float] = [:]
        var length: Float = 0
        func index(_ text: String, weight: Float) {
            for term in TextAnalyzer.terms(text) {
                frequencies[term, default: 0] += weight
                length += weight
            }
        }
        index(product.title, weight: titleWeight)
        index(product.brand, weight: brandWeight)
        index(product.category.replacingSlashes, weight: categoryWeight)
        for values in product.attributes.values { for value in values { index(value, weight: attributeWeight) } }
        index(product.description, weight: descriptionWeight)
        for (term, tf) in frequencies {
            let termID: Int32
            if let id = storage.termIDs[term] {
                termID = id
            } else {
                termID = Int32(storage.postings.count)
                storage.termIDs[term] = termID
                storage.postings.append([])
            }
            storage.postings[Int(termID)].append(Posting(doc: doc, tf: tf))
        }
        let brandKey = TextAnalyzer.normalized(product.brand)
        let brandID = intern(brandKey.isEmpty ? "" : product.brand, key: brandKey, names: &storage.brandNames, ids: &storage.brandIDs)
        let categoryID = intern(product.category, key: product.category.lowercased(), names: &storage.categoryNames, ids: &storage.categoryIDs)
        // A Bayesian average: a 5.0 from 2 reviews should not beat a 4.7 from 900.
        let votes = Float(product.reviewCount)
        let ratingPrior = product.rating > 0 ? (product.rating * votes + 3.5 * 5) / (votes + 5) / 5 : 0.5
        let segments = product.category.split(separator: "/").map { TextAnalyzer.normalized(String($0)) }
        while storage.brandDocuments.count <= Int(brandID) { storage.brandDocuments.append([]) }
        storage.brandDocuments[Int(brandID)].append(doc)
        for segment in Set(segments) { storage.segmentDocuments[segment, default: []].append(doc) }
        storage.ranking.append(
            RankingFields(
                productID: product.id, price: product.price, rating: product.rating, reviewCount: product.reviewCount,
                createdAtMs: product.createdAtMs, ratingPrior: ratingPrior, inStock: product.stock > 0, brandID: brandID,
                categoryID: categoryID))
        storage.lengths.append(length)
        storage.documents.append(
            Document(
                product: product, brandID: brandID, categoryID: categoryID,
                categorySegments: segments,
                attributeValues: product.attributes.mapValues { $0.map(TextAnalyzer.normalized) },
                length: length, ratingPrior: ratingPrior))
        storage.documentOfProduct[product.id] = doc
        storage.totalLength += Double(length)
        storage.liveCount += 1
    }

    private static func intern(_ name: String, key: String, names: inout [String], ids: inout [String: Int32]) -> Int32 {
        if let id = ids[key] { return id }
        let id = Int32(names.count)
        names.append(name)
        ids[key] = id
        return id
    }

    private static func remove(_ id: Int64, from storage: inout Storage) {
        guard let doc = storage.documentOfProduct.removeValue(forKey: id), let document = storage.documents[Int(doc)] else {
            return
        }
        storage.totalLength -= Double(document.length)
        storage.documents[Int(doc)] = nil
        storage.lengths[Int(doc)] = -1
        storage.liveCount -= 1
        storage.tombstones += 1
    }

    /// Rebuilds postings without tombstones once they are a quarter of the documents. Called
    /// with the write lock held.
    private func compactIfNeeded() {
        guard storage.tombstones > max(1_000, storage.documents.count / 4) else { return }
        var fresh = Storage()
        fresh.popularity = storage.popularity
        fresh.maxPopularity = storage.maxPopularity
        for document in storage.documents { if let document { Self.add(document.product, to: &fresh) } }
        storage = fresh
    }

    // MARK: - Searching

    /// Runs one search: lexical candidates, exact filters, relaxing when nothing matches,
    /// the re-ranking blend, the page and the facets.
    /// - Parameters:
    ///   - personal: σ(h_u·v_i) for a product id, or nil for anonymous searches.
    ///   - semantic: the query's text vector and the item text vectors: hybrid retrieval adds
    ///     the nearest products (above `RankingWeights.semanticThreshold`) to the lexical
    ///     matches, and every match gets its vector similarity in the blend.
    public func search(
        _ query: SearchQuery, personal: ((Int64) -> Float?)? = nil, semantic: SemanticQuery? = nil
    ) -> SearchOutcome {
        lock.withReadLock {
            let terms = Array(Set(TextAnalyzer.terms(query.text)))
            var filters = query.filters
            var relaxed: [String] = []
            let semantic = terms.isEmpty ? nil : semantic
            var matches = candidates(terms: terms, filters: filters, semantic: semantic)
            // Relax in the documented order until something matches.
            for name in filters.activeNames where matches.documents.isEmpty {
                filters = filters.dropping(name)
                relaxed.append(name)
                matches = candidates(terms: terms, filters: filters, semantic: semantic)
            }
            if matches.documents.isEmpty { relaxed = [] }
            return rank(matches, terms: terms, query: query, filters: filters, relaxed: relaxed, personal: personal)
        }
    }

    struct Candidates {
        var documents: [Int32]
        /// BM25 score per document (indexed by document), empty without query terms.
        var scores: [Float]
        /// Which query terms each matched document contains (bit i = knownTerms[i]).
        var matchedTerms: [UInt64]
        /// The query terms some product has, in bit order.
        var knownTerms: [String] = []
        /// Cosine similarity of the query and item text vectors, by document.
        var vectorScores: [Int32: Float] = [:]
    }

    /// Lexical candidates, then the semantic ones (see `search`).
    private func candidates(terms: [String], filters raw: SearchFilterSet, semantic: SemanticQuery?) -> Candidates {
        let filters = compile(raw)
        var result = candidates(terms: terms, filters: filters)
        guard let semantic else { return result }
        let documentOfProduct = storage.documentOfProduct
        var neighbors: [VectorIndex.Neighbor]
        if filters.isEmpty {
            neighbors = semantic.items.search(semantic.vector, k: semantic.neighbors)
        } else {
            // Filtered: score the products that pass exactly when they are few (cheaper and
            // exact), else walk the graph with the filter.
            let passing = filtered(filters)
            if passing.count <= semantic.exactFilteredLimit {
                let ranking = storage.ranking
                let ids = passing.map { ranking[Int($0)].productID }
                var heap = BoundedHeap<VectorIndex.Neighbor>(capacity: semantic.neighbors) { $0.score < $1.score }
                for (id, score) in zip(ids, semantic.items.scores(semantic.vector, ids: ids)) {
                    if let score { heap.insert(VectorIndex.Neighbor(id: id, score: score)) }
                }
                neighbors = heap.sortedDescending()
            } else {
                neighbors = semantic.items.search(semantic.vector, k: semantic.neighbors) { id in
                    guard let doc = documentOfProduct[id] else { return false }
                    return self.passes(doc, filters)
                }
            }
        }
        var present = Set(result.documents)
        for neighbor in neighbors {
            guard let doc = documentOfProduct[neighbor.id] else { continue }
            result.vectorScores[doc] = neighbor.score
            if neighbor.score >= Float(weights.semanticThreshold) && present.insert(doc).inserted { result.documents.append(doc) }
        }
        // Exact similarity for the lexical matches the neighbours did not cover (the best
        // by BM25 first, at most `semantic.rescoreLimit` of them).
        var missing = result.documents.filter { result.vectorScores[$0] == nil }
        if missing.count > semantic.rescoreLimit, !result.scores.isEmpty {
            let scores = result.scores
            var heap = BoundedHeap<Int32>(capacity: semantic.rescoreLimit) { scores[Int($0)] < scores[Int($1)] }
            for doc in missing { heap.insert(doc) }
            missing = heap.sortedDescending()
        }
        let ids = missing.compactMap { storage.documents[Int($0)]?.product.id }
        for (doc, score) in zip(missing, semantic.items.scores(semantic.vector, ids: ids)) {
            if let score { result.vectorScores[doc] = score }
        }
        return result
    }

    /// The documents that pass `filters` and match the query: every known query word when
    /// at least one such document exists, otherwise all but one of them (any of them for
    /// queries of one or two known words). Unknown words (in no product) are ignored, so one
    /// misheard word does not empty the results.
    private func candidates(terms: [String], filters: CompiledFilters) -> Candidates {
        let documentCount = storage.documents.count
        let known = terms.prefix(64).compactMap { term in storage.termIDs[term].map { (term, $0) } }
        if known.isEmpty {
            if !terms.isEmpty && filters.isEmpty { return Candidates(documents: [], scores: [], matchedTerms: []) }
            // No query words (or none the catalog knows): the filters alone select.
            return Candidates(documents: filtered(filters), scores: [], matchedTerms: [])
        }
        var scores = [Float](repeating: 0, count: documentCount)
        var matched = [UInt64](repeating: 0, count: documentCount)
        var touched: [Int32] = []
        let live = Double(max(storage.liveCount, 1))
        let averageLength = Float(storage.totalLength / live)
        let k1 = Float(weights.k1), b = Float(weights.b)
        for (bit, (_, termID)) in known.enumerated() {
            let postings = storage.postings[Int(termID)]
            let df = Double(postings.count)
            let idf = Float(log(1 + (live - df + 0.5) / (df + 0.5)))
            let lengthScale = b / max(averageLength, 1)
            postings.withUnsafeBufferPointer { postings in
                storage.lengths.withUnsafeBufferPointer { lengths in
                    for posting in postings {
                        let doc = Int(posting.doc)
                        let length = lengths[doc]
                        guard length >= 0 else { continue }  // a tombstone
                        if matched[doc] == 0 { touched.append(posting.doc) }
                        matched[doc] |= 1 << UInt64(bit)
                        let norm = k1 * (1 - b + length * lengthScale)
                        scores[doc] += idf * posting.tf * (k1 + 1) / (posting.tf + norm)
                    }
                }
            }
        }
        let all: UInt64 = known.count == 64 ? .max : (1 << UInt64(known.count)) - 1
        let looseMinimum = known.count >= 3 ? known.count - 1 : 1
        var strict: [Int32] = []
        var loose: [Int32] = []
        for doc in touched {
            let bits = matched[Int(doc)]
            guard bits.nonzeroBitCount >= looseMinimum, passes(doc, filters) else { continue }
            loose.append(doc)
            if bits == all { strict.append(doc) }
        }
        return Candidates(
            documents: strict.isEmpty ? loose : strict, scores: scores, matchedTerms: matched, knownTerms: known.map(\.0))
    }

    /// Filters with their values analysed once per search, not once per product.
    struct CompiledFilters {
        var priceMin: Double?
        var priceMax: Double?
        var ratingMin: Float?
        var inStockOnly = false
        /// The brand's id; -1 when no product has that brand (nothing passes).
        var brandID: Int32?
        var category: [String]?
        var color: [String]?
        var material: [String]?
        var size: String?
        var isEmpty = true
    }

    func compile(_ filters: SearchFilterSet) -> CompiledFilters {
        var compiled = CompiledFilters()
        compiled.priceMin = filters.priceMin
        compiled.priceMax = filters.priceMax
        compiled.ratingMin = filters.ratingMin
        compiled.inStockOnly = filters.inStockOnly
        if let brand = filters.brand { compiled.brandID = storage.brandIDs[TextAnalyzer.normalized(brand)] ?? -1 }
        if let category = filters.category {
            let wanted = category.split(separator: "/").map { TextAnalyzer.normalized(String($0)) }.filter { !$0.isEmpty }
            if !wanted.isEmpty { compiled.category = wanted }
        }
        if let color = filters.color { compiled.color = TextAnalyzer.tokens(color) }
        if let material = filters.material { compiled.material = TextAnalyzer.tokens(material) }
        if let size = filters.size { compiled.size = TextAnalyzer.normalized(size) }
        compiled.isEmpty = filters.activeNames.isEmpty
        return compiled
    }

    /// Whether a live document passes: price, rating, stock and brand from the flat ranking
    /// fields, the rest from the document only when those pass.
    private func passes(_ doc: Int32, _ filters: CompiledFilters) -> Bool {
        guard storage.lengths[Int(doc)] >= 0 else { return false }
        if filters.isEmpty { return true }
        let field = storage.ranking[Int(doc)]
        if let minimum = filters.priceMin, field.price < minimum { return false }
        if let maximum = filters.priceMax, field.price > maximum { return false }
        if let minimum = filters.ratingMin, field.rating < minimum { return false }
        if filters.inStockOnly && !field.inStock { return false }
        if let brand = filters.brandID, brand != field.brandID { return false }
        guard filters.category != nil || filters.color != nil || filters.material != nil || filters.size != nil else { return true }
        guard let document = storage.documents[Int(doc)] else { return false }
        if let category = filters.category, !Self.matchesCategory(category, document) { return false }
        if let color = filters.color, !Self.contains(document.attributeValues["color"], words: color) { return false }
        if let material = filters.material, !Self.contains(document.attributeValues["material"], words: material) { return false }
        if let size = filters.size, document.attributeValues["size"]?.contains(size) != true { return false }
        return true
    }

    /// The live documents that pass `filters`, found through the brand or category lists when
    /// the filters name one (the smaller list), else by a scan.
    private func filtered(_ filters: CompiledFilters) -> [Int32] {
        var source: [Int32]?
        if let brand = filters.brandID {
            if brand < 0 || Int(brand) >= storage.brandDocuments.count { return [] }
            source = storage.brandDocuments[Int(brand)]
        }
        if let category = filters.category {
            let lists = category.map { storage.segmentDocuments[$0] ?? [] }
            if let smallest = lists.min(by: { $0.count < $1.count }), smallest.count < (source?.count ?? .max) { source = smallest }
        }
        var result: [Int32] = []
        if let source {
            for doc in source where passes(doc, filters) { result.append(doc) }
        } else {
            for doc in 0..<Int32(storage.documents.count) where passes(doc, filters) { result.append(doc) }
        }
        return result
    }

    /// A category filter is a path ("Women/Dresses") or one segment's name ("dresses") found
    /// anywhere in the product's category path.
    private static func matchesCategory(_ wanted: [String], _ document: Document) -> Bool {
        // A path matches as a run of whole segments, so "Dresses/Summer" finds
        // "Women/Dresses/Summer" and "Women/Dresses" finds everything under it.
        let segments = document.categorySegments
        guard segments.count >= wanted.count else { return false }
        for start in 0...(segments.count - wanted.count) where segments[start..<(start + wanted.count)].elementsEqual(wanted) {
            return true
        }
        return false
    }

    /// Whether a value contains every word of `wanted` ("blue" matches "navy blue").
    private static func contains(_ values: [String]?, words wanted: [String]) -> Bool {
        guard let values else { return false }
        guard !wanted.isEmpty else { return true }
        return values.contains { value in
            let have = value.split(separator: " ")
            return wanted.allSatisfy { word in have.contains { $0 == word } }
        }
    }

    private func rank(
        _ matches: Candidates, terms: [String], query: SearchQuery, filters: SearchFilterSet, relaxed: [String],
        personal: ((Int64) -> Float?)?
    ) -> SearchOutcome {
        let documents = matches.documents
        var maxText: Float = 0
        if !matches.scores.isEmpty { for doc in documents { maxText = max(maxText, matches.scores[Int(doc)]) } }
        let popularityScale = storage.maxPopularity > 0 ? 1 / log1p(storage.maxPopularity) : 0

        struct Scored {
            var doc: Int32
            var key: Double
            var score: Double
        }
        // The blend is computed for every match (cheap), the order only for the page.
        let fields = storage.ranking
        let popularity = storage.popularity
        let hasVectors = !matches.vectorScores.isEmpty
        func blend(_ doc: Int32) -> (Double, RecV1.ScoreBreakdown) {
            let field = fields[Int(doc)]
            var parts = RecV1.ScoreBreakdown()
            parts.text = maxText > 0 ? matches.scores[Int(doc)] / maxText : 0
            parts.vector = hasVectors ? max(0, matches.vectorScores[doc] ?? 0) : 0
            parts.personal = personal?(field.productID) ?? 0.5
            parts.popularity = popularity.isEmpty ? 0 : log1p(popularity[field.productID] ?? 0) * popularityScale
            parts.rating = field.ratingPrior
            parts.stock = field.inStock ? 1 : 0
            let w = weights
            let score =
                w.text * Double(parts.text) + w.vector * Double(parts.vector)
                + w.personal * (Double(parts.personal) - 0.5) * 2 + w.popularity * Double(parts.popularity)
                + w.rating * Double(parts.rating) + w.stock * Double(parts.stock)
            return (score, parts)
        }
        let pageSize = max(1, query.pageSize)
        let wanted = min(documents.count, (query.page + 1) * pageSize)
        var heap = BoundedHeap<Scored>(capacity: wanted) { $0.key < $1.key || ($0.key == $1.key && $0.doc > $1.doc) }
        for doc in documents {
            let (score, _) = blend(doc)
            let field = fields[Int(doc)]
            let key: Double =
                switch query.sort {
                case .priceAsc: -field.price * 1e6 + score
                case .priceDesc: field.price * 1e6 + score
                case .ratingDesc: Double(field.rating) * 1e6 + Double(field.reviewCount).squareRoot() + score
                case .newest: Double(field.createdAtMs) + score / 10
                default: score
                }
            heap.insert(Scored(doc: doc, key: key, score: score))
        }
        let ordered = heap.sortedDescending()
        var hits: [SearchHit] = []
        for scored in ordered.dropFirst(query.page * pageSize) {
            let document = storage.documents[Int(scored.doc)]!
            let (_, parts) = blend(scored.doc)
            let matchedWords = matches.matchedTerms.isEmpty ? [] : Self.words(of: matches.matchedTerms[Int(scored.doc)], query: query.text, terms: matches.knownTerms)
            hits.append(
                SearchHit(
                    product: document.product, score: scored.score,
                    why: Self.explain(matchedWords: matchedWords, filters: filters, parts: parts), breakdown: parts))
        }
        return SearchOutcome(hits: hits, totalMatches: documents.count, facets: facets(documents), relaxedFilters: relaxed)
    }

    /// The query words behind the matched term bits, in query order.
    private static func words(of bits: UInt64, query: String, terms: [String]) -> [String] {
        let known = terms.prefix(64)
        var matched: Set<String> = []
        for (bit, term) in known.enumerated() where bits & (1 << UInt64(bit)) != 0 { matched.insert(term) }
        var seen: Set<String> = []
        return query.split(whereSeparator: { $0.isWhitespace }).compactMap { word in
            let analysed = TextAnalyzer.terms(String(word))
            guard let term = analysed.first, matched.contains(term), seen.insert(term).inserted else { return nil }
            return String(word).lowercased()
        }
    }

    static func explain(matchedWords: [String], filters: SearchFilterSet, parts: RecV1.ScoreBreakdown) -> String {
        var reasons: [String] = []
        if !matchedWords.isEmpty { reasons.append("matches '\(matchedWords.joined(separator: " "))'") }
        if matchedWords.isEmpty && parts.vector >= 0.4 { reasons.append("close in meaning to your search") }
        var constraints: [String] = []
        if let brand = filters.brand { constraints.append(brand) }
        if let color = filters.color { constraints.append(color) }
        if let size = filters.size { constraints.append("size \(size)") }
        if let material = filters.material { constraints.append(material) }
        if let category = filters.category { constraints.append(category) }
        if let maximum = filters.priceMax { constraints.append("under \(Money.format(maximum))") }
        if let minimum = filters.priceMin { constraints.append("over \(Money.format(minimum))") }
        if let rating = filters.ratingMin { constraints.append("rated \(rating)+") }
        if !constraints.isEmpty { reasons.append(constraints.joined(separator: ", ")) }
        if parts.personal > 0.6 { reasons.append("picked for you") }
        if parts.rating > 0.85 { reasons.append("highly rated") }
        if parts.popularity > 0.6 { reasons.append("popular") }
        if parts.stock == 0 { reasons.append("out of stock") }
        return reasons.isEmpty ? "popular in the catalog" : reasons.joined(separator: "; ")
    }

    /// Brand, category and price-range counts over all matches.
    private func facets(_ documents: [Int32]) -> RecV1.Facets {
        var brandCounts = [Int32](repeating: 0, count: storage.brandNames.count)
        var categoryCounts = [Int32](repeating: 0, count: storage.categoryNames.count)
        var priceCounts = [Int32](repeating: 0, count: Money.bucketEdges.count)
        storage.ranking.withUnsafeBufferPointer { fields in
            for doc in documents {
                let field = fields[Int(doc)]
                brandCounts[Int(field.brandID)] += 1
                categoryCounts[Int(field.categoryID)] += 1
                priceCounts[Money.bucket(of: field.price)] += 1
            }
        }
        func top(_ counts: [Int32], _ names: [String]) -> [RecV1.FacetValue] {
            counts.indices.filter { counts[$0] > 0 && !names[$0].isEmpty }
                .sorted { counts[$0] > counts[$1] || (counts[$0] == counts[$1] && names[$0] < names[$1]) }
                .prefix(20).map { RecV1.FacetValue(value: names[$0], count: counts[$0]) }
        }
        var facets = RecV1.Facets()
        facets.brands = top(brandCounts, storage.brandNames)
        facets.categories = top(categoryCounts, storage.categoryNames)
        facets.prices = priceCounts.indices.filter { priceCounts[$0] > 0 }.map { index in
            RecV1.PriceBucket(
                minPrice: Money.bucketEdges[index],
                maxPrice: index + 1 < Money.bucketEdges.count ? Money.bucketEdges[index + 1] : 0, count: priceCounts[index])
        }
        return facets
    }
}

/// The text vector of a query and the item text vectors to search (hybrid retrieval).
public struct SemanticQuery: Sendable {
    public var vector: [Float]
    public var items: VectorIndex
    /// Nearest products taken from the vector index.
    public var neighbors = 100
    /// Lexical matches whose similarity is computed exactly, best BM25 first.
    public var rescoreLimit = 1_000
    /// With filters, at most this many passing products are scored exactly instead of
    /// walking the graph: about 50 ns each (a dense row lookup and an AVX2 dot product), so
    /// a price cap that passes 25,000 products costs about 1.3 ms, less than a filtered graph
    /// walk, which must widen its beam to ef 1,600 to find 100 neighbours that pass one in
    /// four (and for a filter that passes a few percent can end in a full scan).
    public var exactFilteredLimit = 30_000

    public init(vector: [Float], items: VectorIndex) {
        self.vector = vector
        self.items = items
    }
}

/// Price formatting and the facet buckets.
enum Money {
    static let bucketEdges: [Double] = [0, 10, 25, 50, 100, 200, 500, 1000]

    static func bucket(of price: Double) -> Int {
        var index = 0
        while index + 1 < bucketEdges.count && price >= bucketEdges[index + 1] { index += 1 }
        return index
    }

    /// "$49.99", "$50".
    static func format(_ amount: Double, currency: String = "USD") -> String {
        let cents = Int64((amount * 100).rounded())
        let symbol = currency == "USD" ? "$" : currency + " "
        let whole = cents / 100, fraction = cents % 100
        return fraction == 0 ? "\(symbol)\(whole)" : "\(symbol)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

/// The `capacity` largest elements under `less`, without sorting everything.
struct BoundedHeap<Element> {
    private var elements: [Element] = []
    let capacity: Int
    let less: (Element, Element) -> Bool

    init(capacity: Int, less: @escaping (Element, Element) -> Bool) {
        self.capacity = capacity
        self.less = less
        elements.reserveCapacity(capacity)
    }

    /// A min-heap on `less`: the root is the smallest kept element.
    mutating func insert(_ element: Element) {
        guard capacity > 0 else { return }
        if elements.count < capacity {
            elements.append(element)
            var child = elements.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard less(elements[child], elements[parent]) else { break }
                elements.swapAt(child, parent)
                child = parent
            }
        } else if less(elements[0], element) {
            elements[0] = element
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < elements.count && less(elements[left], elements[smallest]) { smallest = left }
                if right < elements.count && less(elements[right], elements[smallest]) { smallest = right }
                if smallest == parent { break }
                elements.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }

    func sortedDescending() -> [Element] { elements.sorted { less($1, $0) } }
}
