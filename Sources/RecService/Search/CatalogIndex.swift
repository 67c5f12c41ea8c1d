internal import Glibc
internal import Protos
internal import Synchronization

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
        /// Price per document, for the scan of a price filter (8 bytes a document, not the
        /// ranking fields' 56).
        var prices: [Double] = []
        var totalLength: Double = 0
        var liveCount = 0
        var tombstones = 0
        /// Interaction counts per product (purchases weigh most), for the popularity prior.
        var popularity: [Int64: Float] = [:]
        var maxPopularity: Float = 0
        /// The same counts by document, for the ranking loop.
        var documentPopularity: [Float] = []
    }

    private let lock = ReadWriteLock()
    nonisolated(unsafe) private var storage = Storage()
    // nonisolated(unsafe): every access holds `lock`.

    public let weights: RankingWeights
    /// Searches' scratch buffers, reused (see `SearchScratch`).
    private let scratchPool = Mutex<[SearchScratch]>([])

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
        let compiled = lock.withReadLock { storage.compile(filters) }
        return { [self] id in
            lock.withReadLock {
                guard let doc = storage.documentOfProduct[id] else { return false }
                return storage.passes(doc, compiled)
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
            storage.documentPopularity = storage.ranking.map { counts[$0.productID] ?? 0 }
        }
    }

    /// Adds to one product's popularity (an event was recorded).
    public func addPopularity(_ amount: Float, to id: Int64) {
        lock.withWriteLock {
            let value = storage.popularity[id, default: 0] + amount
            storage.popularity[id] = value
            storage.maxPopularity = max(storage.maxPopularity, value)
            if let doc = storage.documentOfProduct[id] { storage.documentPopularity[Int(doc)] = value }
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
        storage.prices.append(product.price)
        storage.documentPopularity.append(storage.popularity[product.id] ?? 0)
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
        let scratch = scratchPool.withLock { $0.popLast() } ?? SearchScratch()
        defer { scratchPool.withLock { $0.append(scratch) } }
        return lock.withReadLock {
            // The search reads this copy of the storage (a few retains), so its loops pay no
            // exclusivity check per access to the class's property.
            let searcher = Searcher(storage: storage, weights: weights, scratch: scratch)
            return searcher.search(query, personal: personal, semantic: semantic)
        }
    }

    /// One search over one state of the index (under the read lock).
    struct Searcher {
        let storage: Storage
        let weights: RankingWeights
        let scratch: SearchScratch

        init(storage: Storage, weights: RankingWeights, scratch: SearchScratch) {
            self.storage = storage
            self.weights = weights
            self.scratch = scratch
            scratch.reserve(storage.documents.count)
        }

        func search(_ query: SearchQuery, personal: ((Int64) -> Float?)?, semantic: SemanticQuery?) -> SearchOutcome {
            let terms = Array(Set(TextAnalyzer.terms(query.text)))
            var filters = query.filters
            var relaxed: [String] = []
            let semantic = terms.isEmpty ? nil : semantic
            var matches = candidates(terms: terms, filters: filters, semantic: semantic)
            // Relax in the documented order until something matches, then put back what the
            // last drop made unnecessary (`SearchFilterSet.relaxOrder`).
            for name in filters.activeNames where matches.documents.isEmpty {
                filters = filters.dropping(name)
                relaxed.append(name)
                matches = candidates(terms: terms, filters: filters, semantic: semantic)
            }
            if matches.documents.isEmpty {
                relaxed = []
            } else {
                for name in relaxed.dropLast().reversed() {
                    let restored = filters.restoring(name, from: query.filters)
                    let tried = candidates(terms: terms, filters: restored, semantic: semantic)
                    guard !tried.documents.isEmpty else { continue }
                    filters = restored
                    matches = tried
                    relaxed.removeAll { $0 == name }
                }
            }
            return rank(matches, query: query, filters: filters, relaxed: relaxed, personal: personal)
        }

        /// Lexical candidates, then the semantic ones (see `search`).
        private func candidates(terms: [String], filters raw: SearchFilterSet, semantic: SemanticQuery?) -> Candidates {
            let filters = storage.compile(raw)
            var result = lexicalCandidates(terms: terms, filters: filters)
            guard var semantic else { return result }
            if result.documents.count >= semantic.plentyOfMatches && semantic.neighborsWhenPlenty < semantic.neighbors {
                semantic.neighbors = semantic.neighborsWhenPlenty
                semantic.ef = semantic.neighborsWhenPlenty
            }
            let documentOfProduct = storage.documentOfProduct
            let threshold = Float(weights.semanticThreshold)
            let position = scratch.position
            for (index, doc) in result.documents.enumerated() { position[Int(doc)] = Int32(index) }
            // Whether a neighbour the words missed joins is decided on its exact score when
            // its estimate is close enough to the threshold for the codes' error to matter (a
            // few floats read, not a hundred).
            func exactNearTheThreshold(_ neighbors: inout [VectorIndex.Neighbor]) {
                guard semantic.quantized && !semantic.exactScores else { return }
                let near = neighbors.indices.filter { index in
                    abs(neighbors[index].score - threshold) < SemanticQuery.estimateError
                        && documentOfProduct[neighbors[index].id].map { position[Int($0)] < 0 } == true
                }
                for (index, exact) in zip(near, semantic.items.scores(semantic.vector, ids: near.map { neighbors[$0].id })) {
                    if let exact { neighbors[index].score = exact }
                }
            }
            let found = nearest(semantic, filters)
            var neighbors = found.neighbors
            exactNearTheThreshold(&neighbors)
            // Words that found nothing and a walk that found nothing close enough: before
            // answering empty (or relaxing a filter), walk again with a beam four times as
            // wide. Where similarities are low the graph now and then misses a query's
            // nearest (1 of the 1,000 benchmark queries at ef 100).
            if found.walked, result.documents.isEmpty, !neighbors.contains(where: { $0.score >= threshold }) {
                semantic.ef = 4 * max(semantic.ef ?? semantic.items.parameters.efSearch, semantic.neighbors)
                neighbors = nearest(semantic, filters).neighbors
                exactNearTheThreshold(&neighbors)
            }
            // Merge: the neighbours' similarities go to the lexical matches they are, and the
            // neighbours above the threshold that the words missed join the matches.
            result.vectorScores = [Float](repeating: .nan, count: result.documents.count)
            for neighbor in neighbors {
                guard let doc = documentOfProduct[neighbor.id] else { continue }
                let index = position[Int(doc)]
                if index >= 0 {
                    result.vectorScores[Int(index)] = neighbor.score
                } else if neighbor.score >= threshold {
                    position[Int(doc)] = Int32(result.documents.count)
                    result.append(doc, text: 0, terms: 0, vector: neighbor.score)
                }
            }
            for doc in result.documents { position[Int(doc)] = -1 }
            // Exact similarity for the lexical matches the neighbours did not cover (the best
            // by BM25 first, at most `semantic.rescoreLimit` of them).
            var missing = result.vectorScores.indices.filter { result.vectorScores[$0].isNaN }
            if missing.count > semantic.rescoreLimit, !result.knownTerms.isEmpty {
                let scores = result.textScores
                var heap = BoundedHeap<Int>(capacity: semantic.rescoreLimit) { scores[$0] < scores[$1] }
                for index in missing { heap.insert(index) }
                missing = heap.sortedDescending()
            }
            let ranking = storage.ranking
            let ids = missing.map { ranking[Int(result.documents[$0])].productID }
            let scores =
                semantic.quantized
                ? semantic.items.approximateScores(semantic.vector, ids: ids) : semantic.items.scores(semantic.vector, ids: ids)
            for (index, score) in zip(missing, scores) {
                if let score { result.vectorScores[index] = score }
            }
            return result
        }

        /// The query's nearest products by text vector among those passing `filters`, and
        /// whether the graph walk found them (rather than an exact scan).
        private func nearest(_ semantic: SemanticQuery, _ filters: CompiledFilters) -> (neighbors: [VectorIndex.Neighbor], walked: Bool) {
            let documentOfProduct = storage.documentOfProduct
            if filters.isEmpty {
                let neighbors = semantic.items.search(
                    semantic.vector, k: semantic.neighbors, ef: semantic.ef, quantized: semantic.quantized,
                    estimates: !semantic.exactScores)
                return (neighbors, true)
            }
            // Filtered: score the products that pass exactly when they are few (cheaper and
            // exact), else walk the graph with the filter.
            // (A broad filter stops counting past the limit: its list would not be used.)
            if let passing = storage.filtered(filters, upTo: semantic.exactFilteredLimit) {
                let ranking = storage.ranking
                let ids = passing.map { ranking[Int($0)].productID }
                if semantic.quantized {
                    return (semantic.items.nearest(semantic.vector, among: ids, k: semantic.neighbors, estimates: !semantic.exactScores), false)
                }
                var heap = BoundedHeap<VectorIndex.Neighbor>(capacity: semantic.neighbors) { $0.score < $1.score }
                for (id, score) in zip(ids, semantic.items.scores(semantic.vector, ids: ids)) {
                    if let score { heap.insert(VectorIndex.Neighbor(id: id, score: score)) }
                }
                return (heap.sortedDescending(), false)
            }
            let storage = storage
            let neighbors = semantic.items.search(
                semantic.vector, k: semantic.neighbors, ef: semantic.ef, quantized: semantic.quantized, estimates: !semantic.exactScores
            ) { id in
                guard let doc = documentOfProduct[id] else { return false }
                return storage.passes(doc, filters)
            }
            return (neighbors, true)
        }

        /// The documents that pass `filters` and match the query: every known query word when
        /// at least one such document exists, otherwise all but one of them (any of them for
        /// queries of one or two known words). Unknown words (in no product) are ignored, so one
        /// misheard word does not empty the results.
        private func lexicalCandidates(terms: [String], filters: CompiledFilters) -> Candidates {
            let known = terms.prefix(64).compactMap { term in storage.termIDs[term].map { (term, $0) } }
            if known.isEmpty {
                if !terms.isEmpty && filters.isEmpty { return Candidates() }
                // No query words (or none the catalog knows): the filters alone select.
                var result = Candidates()
                for doc in storage.filtered(filters) { result.append(doc, text: 0, terms: 0) }
                return result
            }
            // BM25 accumulates in the scratch arrays (zero between searches), by document.
            let scores = scratch.scores, matched = scratch.matched, touched = scratch.touched
            var touchedCount = 0
            let live = Double(max(storage.liveCount, 1))
            let averageLength = Float(storage.totalLength / live)
            let k1 = Float(weights.k1), b = Float(weights.b)
            let lengthScale = b / max(averageLength, 1)
            storage.lengths.withUnsafeBufferPointer { lengths in
                for (bit, (_, termID)) in known.enumerated() {
                    let postings = storage.postings[Int(termID)]
                    let df = Double(postings.count)
                    let idf = Float(log(1 + (live - df + 0.5) / (df + 0.5)))
                    postings.withUnsafeBufferPointer { postings in
                        for posting in postings {
                            let doc = Int(posting.doc)
                            let length = lengths[doc]
                            guard length >= 0 else { continue }  // a tombstone
                            if matched[doc] == 0 {
                                touched[touchedCount] = posting.doc
                                touchedCount += 1
                            }
                            matched[doc] |= 1 << UInt64(bit)
                            let norm = k1 * (1 - b + length * lengthScale)
                            scores[doc] += idf * posting.tf * (k1 + 1) / (posting.tf + norm)
                        }
                    }
                }
            }
            let all: UInt64 = known.count == 64 ? .max : (1 << UInt64(known.count)) - 1
            let looseMinimum = known.count >= 3 ? known.count - 1 : 1
            var strict = Candidates()
            var loose = Candidates()
            for index in 0..<touchedCount {
                let doc = touched[index]
                let bits = matched[Int(doc)], score = scores[Int(doc)]
                matched[Int(doc)] = 0
                scores[Int(doc)] = 0
                guard bits.nonzeroBitCount >= looseMinimum, storage.passes(doc, filters) else { continue }
                if bits == all { strict.append(doc, text: score, terms: bits) }
                if strict.documents.isEmpty { loose.append(doc, text: score, terms: bits) }
            }
            var result = strict.documents.isEmpty ? loose : strict
            result.knownTerms = known.map(\.0)
            return result
        }

        private func rank(
            _ matches: Candidates, query: SearchQuery, filters: SearchFilterSet, relaxed: [String], personal: ((Int64) -> Float?)?
        ) -> SearchOutcome {
            let documents = matches.documents
            let maxText = matches.textScores.max() ?? 0
            let popularityScale = storage.maxPopularity > 0 ? 1 / log1p(storage.maxPopularity) : 0

            struct Scored {
                var index: Int32
                var doc: Int32
                var key: Double
                var score: Double
            }
            // The blend is computed for every match (cheap), the order only for the page.
            let fields = storage.ranking
            let popularity = storage.documentPopularity
            let vectors = matches.vectorScores
            let weights = weights
            func blend(_ index: Int) -> (Double, RecV1.ScoreBreakdown) {
                let doc = Int(documents[index])
                let field = fields[doc]
                var parts = RecV1.ScoreBreakdown()
                parts.text = maxText > 0 ? matches.textScores[index] / maxText : 0
                parts.vector = vectors.isEmpty || vectors[index].isNaN ? 0 : max(0, vectors[index])
                parts.personal = personal?(field.productID) ?? 0.5
                parts.popularity = popularityScale > 0 ? log1p(popularity[doc]) * popularityScale : 0
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
            for index in documents.indices {
                let (score, _) = blend(index)
                let field = fields[Int(documents[index])]
                let key: Double =
                    switch query.sort {
                    case .priceAsc: -field.price * 1e6 + score
                    case .priceDesc: field.price * 1e6 + score
                    case .ratingDesc: Double(field.rating) * 1e6 + Double(field.reviewCount).squareRoot() + score
                    case .newest: Double(field.createdAtMs) + score / 10
                    default: score
                    }
                heap.insert(Scored(index: Int32(index), doc: documents[index], key: key, score: score))
            }
            let ordered = heap.sortedDescending()
            let queryWords = CatalogIndex.analysedWords(query.text)
            var hits: [SearchHit] = []
            for scored in ordered.dropFirst(query.page * pageSize) {
                let document = storage.documents[Int(scored.doc)]!
                let (_, parts) = blend(Int(scored.index))
                let matchedWords = CatalogIndex.words(
                    of: matches.matchedTerms[Int(scored.index)], queryWords: queryWords, terms: matches.knownTerms)
                hits.append(
                    SearchHit(
                        product: document.product, score: scored.score,
                        why: CatalogIndex.explain(matchedWords: matchedWords, filters: filters, parts: parts), breakdown: parts))
            }
            return SearchOutcome(hits: hits, totalMatches: documents.count, facets: facets(documents), relaxedFilters: relaxed)
        }

        /// Brands and categories listed in the facets (the most frequent).
        static let facetValues = 20

        /// Brand, category and price-range counts over all matches.
        private func facets(_ documents: [Int32]) -> RecV1.Facets {
            var brandCounts = [Int32](repeating: 0, count: storage.brandNames.count)
            var categoryCounts = [Int32](repeating: 0, count: storage.categoryNames.count)
            var priceCounts = [Int32](repeating: 0, count: Money.bucketEdges.count)
            // The brands and categories the matches have, as met: the top 20 are chosen among
            // those, not among every name in the catalog.
            var brands: [Int32] = [], categories: [Int32] = []
            storage.ranking.withUnsafeBufferPointer { fields in
                for doc in documents {
                    let field = fields[Int(doc)]
                    if brandCounts[Int(field.brandID)] == 0 { brands.append(field.brandID) }
                    brandCounts[Int(field.brandID)] += 1
                    if categoryCounts[Int(field.categoryID)] == 0 { categories.append(field.categoryID) }
                    categoryCounts[Int(field.categoryID)] += 1
                    priceCounts[Money.bucket(of: field.price)] += 1
                }
            }
            // The 20 largest counts, ties by name: a bounded heap, so names are compared only
            // against the smallest kept, not in a sort of every brand matched.
            func top(_ ids: [Int32], _ counts: [Int32], _ names: [String]) -> [RecV1.FacetValue] {
                var heap = BoundedHeap<Int32>(capacity: Self.facetValues) { a, b in
                    counts[Int(a)] < counts[Int(b)] || (counts[Int(a)] == counts[Int(b)] && names[Int(a)] > names[Int(b)])
                }
                for id in ids where !names[Int(id)].isEmpty { heap.insert(id) }
                return heap.sortedDescending().map { RecV1.FacetValue(value: names[Int($0)], count: counts[Int($0)]) }
            }
            var facets = RecV1.Facets()
            facets.brands = top(brands, brandCounts, storage.brandNames)
            facets.categories = top(categories, categoryCounts, storage.categoryNames)
            facets.prices = priceCounts.indices.filter { priceCounts[$0] > 0 }.map { index in
                RecV1.PriceBucket(
                    minPrice: Money.bucketEdges[index],
                    maxPrice: index + 1 < Money.bucketEdges.count ? Money.bucketEdges[index + 1] : 0, count: priceCounts[index])
            }
            return facets
        }
    }

    /// The matches of one search, in parallel arrays by match.
    struct Candidates {
        var documents: [Int32] = []
        /// BM25 score of each match (0 for matches the words did not find).
        var textScores: [Float] = []
        /// Which query terms each match contains (bit i = knownTerms[i]).
        var matchedTerms: [UInt64] = []
        /// The query terms some product has, in bit order.
        var knownTerms: [String] = []
        /// Cosine similarity of the query and item text vectors for each match (NaN where it
        /// was not computed); empty without a query vector.
        var vectorScores: [Float] = []

        mutating func append(_ doc: Int32, text: Float, terms: UInt64) {
            documents.append(doc)
            textScores.append(text)
            matchedTerms.append(terms)
        }

        mutating func append(_ doc: Int32, text: Float, terms: UInt64, vector: Float) {
            append(doc, text: text, terms: terms)
            vectorScores.append(vector)
        }
    }

    /// Each word of the query with its first analysed term ("Dresses" → ("dresses", "dress")),
    /// computed once per search for the "why" of each hit.
    static func analysedWords(_ query: String) -> [(word: String, term: String)] {
        query.split(whereSeparator: { $0.isWhitespace }).compactMap { word in
            TextAnalyzer.terms(String(word)).first.map { (String(word).lowercased(), $0) }
        }
    }

    /// The query words behind the matched term bits, in query order.
    static func words(of bits: UInt64, queryWords: [(word: String, term: String)], terms: [String]) -> [String] {
        guard bits != 0 else { return [] }
        var matched: Set<String> = []
        for (bit, term) in terms.prefix(64).enumerated() where bits & (1 << UInt64(bit)) != 0 { matched.insert(term) }
        var seen: Set<String> = []
        return queryWords.compactMap { entry in
            matched.contains(entry.term) && seen.insert(entry.term).inserted ? entry.word : nil
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
}

// MARK: - Filters

extension CatalogIndex {
    /// Filters with their values analysed once per search, not once per product.
    struct CompiledFilters {
        var priceMin: Double?
        var priceMax: Double?
        var ratingMin: Float?
        var inStockOnly = false
        /// The brand's id; -1 when no product has that brand (nothing passes).
        var brandID: Int32?
        var category: [String]?
        /// Any of these (each a value's words) matches: the colour, and its shades when it names
        /// a family (`ColorFamilies`).
        var color: [[String]]?
        var material: [String]?
        var size: String?
        var isEmpty = true
    }
}

extension CatalogIndex.Storage {
    func compile(_ filters: SearchFilterSet) -> CatalogIndex.CompiledFilters {
        var compiled = CatalogIndex.CompiledFilters()
        compiled.priceMin = filters.priceMin
        compiled.priceMax = filters.priceMax
        compiled.ratingMin = filters.ratingMin
        compiled.inStockOnly = filters.inStockOnly
        if let brand = filters.brand { compiled.brandID = brandIDs[TextAnalyzer.normalized(brand)] ?? -1 }
        if let category = filters.category {
            let wanted = category.split(separator: "/").map { TextAnalyzer.normalized(String($0)) }.filter { !$0.isEmpty }
            if !wanted.isEmpty { compiled.category = wanted }
        }
        if let color = filters.color { compiled.color = ColorFamilies.alternatives(color) }
        if let material = filters.material { compiled.material = TextAnalyzer.tokens(material) }
        if let size = filters.size { compiled.size = TextAnalyzer.normalized(size) }
        compiled.isEmpty = filters.activeNames.isEmpty
        return compiled
    }

    /// Whether a live document passes: price, rating, stock and brand from the flat ranking
    /// fields, the rest from the document only when those pass.
    func passes(_ doc: Int32, _ filters: CatalogIndex.CompiledFilters) -> Bool {
        guard lengths[Int(doc)] >= 0 else { return false }
        if filters.isEmpty { return true }
        let field = ranking[Int(doc)]
        if let minimum = filters.priceMin, field.price < minimum { return false }
        if let maximum = filters.priceMax, field.price > maximum { return false }
        if let minimum = filters.ratingMin, field.rating < minimum { return false }
        if filters.inStockOnly && !field.inStock { return false }
        if let brand = filters.brandID, brand != field.brandID { return false }
        guard filters.category != nil || filters.color != nil || filters.material != nil || filters.size != nil else { return true }
        guard let document = documents[Int(doc)] else { return false }
        if let category = filters.category, !Self.matchesCategory(category, document) { return false }
        if let color = filters.color, !color.contains(where: { Self.contains(document.attributeValues["color"], words: $0) }) { return false }
        if let material = filters.material, !Self.contains(document.attributeValues["material"], words: material) { return false }
        if let size = filters.size, document.attributeValues["size"]?.contains(size) != true { return false }
        return true
    }

    /// The live documents that pass `filters`, found through the brand or category lists when
    /// the filters name one (the smaller list), else by a scan; nil as soon as more than
    /// `limit` pass.
    func filtered(_ filters: CatalogIndex.CompiledFilters, upTo limit: Int) -> [Int32]? {
        var source: [Int32]?
        if let brand = filters.brandID {
            if brand < 0 || Int(brand) >= brandDocuments.count { return [] }
            source = brandDocuments[Int(brand)]
        }
        if let category = filters.category {
            let lists = category.map { segmentDocuments[$0] ?? [] }
            if let smallest = lists.min(by: { $0.count < $1.count }), smallest.count < (source?.count ?? .max) { source = smallest }
        }
        var result: [Int32] = []
        if let source {
            for doc in source where passes(doc, filters) {
                result.append(doc)
                if result.count > limit { return nil }
            }
        } else if filters.priceMin != nil || filters.priceMax != nil {
            // A price bound alone: the flat prices first, the rest only for those in range.
            let low = filters.priceMin ?? -.infinity, high = filters.priceMax ?? .infinity
            var over = false
            prices.withUnsafeBufferPointer { prices in
                for doc in prices.indices where prices[doc] >= low && prices[doc] <= high && passes(Int32(doc), filters) {
                    result.append(Int32(doc))
                    if result.count > limit {
                        over = true
                        break
                    }
                }
            }
            if over { return nil }
        } else {
            for doc in 0..<Int32(documents.count) where passes(doc, filters) {
                result.append(doc)
                if result.count > limit { return nil }
            }
        }
        return result
    }

    /// Every live document that passes `filters`.
    func filtered(_ filters: CatalogIndex.CompiledFilters) -> [Int32] { filtered(filters, upTo: .max) ?? [] }

    /// A category filter is a path ("Women/Dresses") or one segment's name ("dresses") found
    /// anywhere in the product's category path.
    private static func matchesCategory(_ wanted: [String], _ document: CatalogIndex.Document) -> Bool {
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
}

/// Buffers by document that one search at a time uses to accumulate BM25 scores and merge
/// candidates, kept between searches (in `CatalogIndex`'s pool) so that a search does not
/// allocate and clear a megabyte for a catalog of 100,000 products. A search leaves them as it
/// found them: scores and term bits 0, positions -1.
final class SearchScratch: @unchecked Sendable {
    // @unchecked: a scratch belongs to one search at a time (taken from and returned to the
    // pool under its mutex).
    private(set) var scores: UnsafeMutablePointer<Float>
    private(set) var matched: UnsafeMutablePointer<UInt64>
    private(set) var position: UnsafeMutablePointer<Int32>
    /// The documents a search touched, in order (no reset needed).
    private(set) var touched: UnsafeMutablePointer<Int32>
    private var capacity = 0

    init() {
        scores = .allocate(capacity: 1)
        matched = .allocate(capacity: 1)
        position = .allocate(capacity: 1)
        touched = .allocate(capacity: 1)
    }

    /// Grows the buffers to at least `count` documents.
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        let size = max(count, capacity * 2)
        scores.deallocate()
        matched.deallocate()
        position.deallocate()
        touched.deallocate()
        touched = .allocate(capacity: size)
        scores = .allocate(capacity: size)
        scores.initialize(repeating: 0, count: size)
        matched = .allocate(capacity: size)
        matched.initialize(repeating: 0, count: size)
        position = .allocate(capacity: size)
        position.initialize(repeating: -1, count: size)
        capacity = size
    }

    deinit {
        scores.deallocate()
        matched.deallocate()
        position.deallocate()
        touched.deallocate()
    }
}

/// The text vector of a query and the item text vectors to search (hybrid retrieval).
public struct SemanticQuery: Sendable {
    public var vector: [Float]
    public var items: VectorIndex
    /// Nearest products taken from the vector index.
    public var neighbors = 100
    /// The graph walk's beam width (nil: the index's `efSearch`, at least `neighbors`).
    public var ef: Int?
    /// When the words alone match at least `plentyOfMatches` products, only
    /// `neighborsWhenPlenty` are taken from the vectors, with a beam of that width: the
    /// paraphrases the vectors add matter when the words find little, and every lexical match
    /// gets its similarity in the blend either way.
    public var plentyOfMatches = 100
    public var neighborsWhenPlenty = 30
    /// Lexical matches whose similarity is computed exactly, best BM25 first.
    public var rescoreLimit = 1_000
    /// With filters, at most this many passing products are scored exactly (every one, on
    /// the codes); past it the graph walk takes the filter (`VectorIndex.search(allowed:)`:
    /// only passing nodes enter its results, so a filter that passes one product in four
    /// costs about four plain walks). Measured on the Mercari 100k catalog
    /// (docs/benchmarks.md): with a price cap passing 25,000 products, scanning them all read
    /// 9.6 MB of codes, about 1 ms; the filtered walk is a few tenths of that. Between 3,000
    /// and 10,000 the two cost the same; the scan is exact, and a walk through a filter that
    /// passes few products can fail to find enough and fall back to the exact scan of every
    /// vector, so the scan keeps those.
    public var exactFilteredLimit = 10_000
    /// Whether the vector side reads the items' int8 codes rather than their floats, a
    /// quarter of the memory reads: the graph walk and the exact filtered scan pick their
    /// neighbours on the codes (`VectorIndex.search(quantized:)`,
    /// `VectorIndex.nearest(_:among:k:)`; rescored on the floats only with `exactScores`), and
    /// the lexical matches' similarities are the codes' estimates
    /// (`VectorIndex.approximateScores`, within about 0.01).
    public var quantized = true
    /// With `quantized`, whether the neighbours found on the codes are rescored on the floats
    /// (`VectorIndex.search(estimates:)`). Off, their similarities are the codes' estimates,
    /// as the lexical matches' are: the blend weighs them at 0.01 resolution at best, and
    /// the rescoring read a scattered 1.5 KB float vector per neighbour (100 of them, 150 KB,
    /// which the search otherwise never touches).
    public var exactScores = false
    /// How far the codes' estimate of a similarity can be from the floats' (twice the
    /// largest error measured on unit vectors, `VectorTests`).
    static let estimateError: Float = 0.02

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
