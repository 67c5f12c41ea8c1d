import Embeddings
import Glibc
import JSON
import Postgres
import Protos
import RecService

/// The search itself, in process and without the RPC: the catalog and the item text vectors
/// loaded from PostgreSQL into a `CatalogIndex` and a `VectorIndex` as rec-svc loads them, then
/// the same 1,000 queries through `CatalogIndex.search`, one at a time, under each variant of
/// the vector side (float or int8 reads, the number of neighbours), the variants taking turns
/// pass by pass so all see the same machine. Besides the latencies it reports how far each
/// variant's first page agrees with the first variant's (the same ids, in any order), so a
/// faster variant shows what it changes in the results.
enum SearchLocalBench {
    /// A variant of the vector side; nil fields keep `SemanticQuery`'s defaults (what rec-svc
    /// ships).
    struct Variant {
        var name: String
        var quantized: Bool?
        var neighbors: Int?
        var ef: Int?
        var plenty: Int?
        var exactScores: Bool?
        var exactFilteredLimit: Int?
        /// False: no vector side at all (the words alone).
        var vectors = true

        func apply(to semantic: inout SemanticQuery) {
            if let quantized { semantic.quantized = quantized }
            if let neighbors { semantic.neighbors = neighbors }
            if let ef { semantic.ef = ef }
            if let plenty { semantic.plentyOfMatches = plenty }
            if let exactScores { semantic.exactScores = exactScores }
            if let exactFilteredLimit { semantic.exactFilteredLimit = exactFilteredLimit }
        }
    }

    /// `SEARCH_VARIANTS` (comma-separated indexes, for a profile of one) picks some.
    static let variants: [Variant] = {
        let all = allVariants
        guard let pick = getenv("SEARCH_VARIANTS").map({ String(cString: $0) }) else { return all }
        return pick.split(separator: ",").compactMap { Int($0) }.filter { all.indices.contains($0) }.map { all[$0] }
    }()

    static let allVariants = [
        Variant(name: "float, 100 neighbours (before int8)", quantized: false, neighbors: 100, plenty: Int.max),
        Variant(name: "int8, 100 neighbours", quantized: true, neighbors: 100, plenty: Int.max, exactScores: true),
        Variant(
            name: "int8, 30 neighbours (ef 30) always", quantized: true, neighbors: 30, ef: 30, plenty: Int.max, exactScores: true),
        Variant(
            name: "int8, 100, 30 once the words match 100, rescored on floats, exact scan to 30,000 passing", exactScores: true,
            exactFilteredLimit: 30_000),
        Variant(name: "as shipped: the same on the codes' scores, filtered walk past 10,000 passing"),
        Variant(name: "the same, filtered walk past 3,000 passing", exactFilteredLimit: 3_000),
        Variant(name: "words only (no vector side)", vectors: false),
    ]

    static func run(conninfo: String, queriesPath: String, runs: Int) throws {
        let connection = try PostgresConnection(conninfo: conninfo)
        let index = CatalogIndex()
        index.rebuild(try CatalogStore.allProducts(connection))
        let items = VectorIndex(dimensions: SentenceEncoder.dimensions)
        items.add(try VectorBench.itemVectors(connection))
        let encoder = try SentenceEncoder()
        let queries = try SearchBench.readQueries(queriesPath)
        let vectors = queries.map { encoder.encode($0.text.lowercased()) }
        var times = [[Double]](repeating: [], count: variants.count)
        var pages = [[[Int64]]](repeating: [], count: variants.count)
        // A whole pass per variant, the variants taking turns pass by pass: running one query
        // under every variant in a row would let the later variants find its postings and
        // vectors in the cache.
        for run in 0...runs {  // run 0 warms up
            for (slot, variant) in variants.enumerated() {
                for (number, query) in queries.enumerated() {
                    var filters = SearchFilterSet()
                    filters.brand = query.brand
                    filters.priceMax = query.priceMax
                    let search = SearchQuery(text: query.text, filters: filters, pageSize: 10)
                    var semantic = SemanticQuery(vector: vectors[number], items: items)
                    variant.apply(to: &semantic)
                    let start = ContinuousClock.now
                    let outcome = index.search(search, semantic: variant.vectors ? semantic : nil)
                    let elapsed = SearchBench.milliseconds(since: start)
                    if run > 0 { times[slot].append(elapsed) }
                    if run == 1 { pages[slot].append(outcome.hits.map(\.product.id)) }
                }
            }
        }
        for (slot, variant) in variants.enumerated() {
            // Agreement with the first variant: shared ids of the first page over its size.
            var shared = 0, total = 0
            for (page, reference) in zip(pages[slot], pages[0]) {
                shared += Set(page).intersection(reference).count
                total += max(reference.count, page.count)
            }
            let line = JSONValue.object([
                "variant": .string(variant.name), "queries": JSONValue(queries.count), "runs": JSONValue(runs),
                "p50_ms": JSONValue(SearchBench.round3(SearchBench.percentile(times[slot], 0.5)))!,
                "p95_ms": JSONValue(SearchBench.round3(SearchBench.percentile(times[slot], 0.95)))!,
                "p99_ms": JSONValue(SearchBench.round3(SearchBench.percentile(times[slot], 0.99)))!,
                "page_agreement_with_first": JSONValue(SearchBench.round3(total == 0 ? 1 : Double(shared) / Double(total)))!,
            ])
            print(line.serialized())
        }
    }
}
