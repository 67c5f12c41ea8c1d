import Glibc
import JSON
import Postgres
import Protos
import RPCCore
import RPCHTTP2Transport

/// Search latency through rec-svc's RPC against the PostgreSQL full-text-search anchor
/// (GIN index, ts_rank_cd, the template of ../shared/research/pg-fts-anchor.md), the same
/// queries one at a time, alternating the two per query so both see the same machine load.
/// Pass 0 is the cold pass (each query is encoded on first sight; PostgreSQL's caches warm
/// up); passes 1…RUNS are measured warm.
enum SearchBench {
    struct Query {
        var text: String
        var kind: String
        var brand: String?
        var priceMax: Double?

        /// The Search request of this query: its text, and its brand and price cap as filters.
        var request: RecV1.SearchRequest {
            var request = RecV1.SearchRequest(query: text, pageSize: 10)
            if brand != nil || priceMax != nil {
                var filters = RecV1.SearchFilters()
                filters.brand = brand ?? ""
                filters.priceMax = priceMax ?? 0
                request.filters = filters
            }
            return request
        }

        /// The query as the benchmark's output lists it, with `extra` fields.
        func described(_ extra: [String: JSONValue] = [:]) -> JSONValue {
            var fields: [String: JSONValue] = [
                "text": .string(text), "kind": .string(kind), "brand": brand.map(JSONValue.string) ?? .null,
                "price_max": priceMax.flatMap { JSONValue($0) } ?? .null,
            ]
            fields.merge(extra) { $1 }
            return .object(fields)
        }
    }

    /// Milliseconds from `start` to now.
    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        Double((ContinuousClock.now - start) / .nanoseconds(1)) / 1e6
    }

    /// The value at fraction `p` of `values` in order (the nearest rank below).
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
    }

    static func readQueries(_ path: String) throws -> [Query] {
        guard let file = fopen(path, "r") else { throw BenchError("cannot open \(path)") }
        defer { fclose(file) }
        var result: [Query] = []
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(buffer) }
        while getline(&buffer, &capacity, file) >= 0, let buffer {
            guard let object = try? JSONValue(parsing: String(cString: buffer)).objectValue, let text = object["text"]?.stringValue else { continue }
            result.append(
                Query(
                    text: text, kind: object["kind"]?.stringValue ?? "", brand: object["brand"]?.stringValue,
                    priceMax: object["price_max"]?.doubleValue))
        }
        return result
    }

    static func run(target: String, conninfo: String, queriesPath: String, runs: Int) async throws {
        // The calls run on the client's event loop, as PostgreSQL's run on the calling thread
        // (libpq): neither side wakes a second thread of its client for a call.
        try await withTaskExecutorPreference(HTTP2Channel.loopExecutor) {
            try await measure(target: target, conninfo: conninfo, queriesPath: queriesPath, runs: runs)
        }
    }

    static func measure(target: String, conninfo: String, queriesPath: String, runs: Int) async throws {
        let queries = try readQueries(queriesPath)
        let channel = try HTTP2Channel(target: target)
        defer { channel.close() }
        let client = RecV1.Rec.Client(channel: channel)
        let connection = try PostgresConnection(conninfo: conninfo)
        let sql = """
            SELECT sku FROM products
             WHERE search_tsv @@ websearch_to_tsquery('english', $1) AND deleted_at IS NULL
               AND ($2::text IS NULL OR brand = $2) AND ($3::numeric IS NULL OR price <= $3)
             ORDER BY ts_rank_cd(search_tsv, websearch_to_tsquery('english', $1)) DESC LIMIT 10
            """
        var ours: [Double] = [], postgres: [Double] = [], cold: [Double] = []
        var ourEmpty = 0, pgEmpty = 0, ourMatches: [Int] = []
        var byKind: [String: [Double]] = [:]
        var worst: [(ms: Double, query: Query, matches: Int)] = []
        var ourEmptyQueries: [Query] = []
        for run in 0...runs {  // run 0 warms up
            for query in queries {
                let start = ContinuousClock.now
                let response = try await client.search(query.request)
                let ourTime = milliseconds(since: start)
                let pgStart = ContinuousClock.now
                let rows = try connection.query(
                    sql, [.text(query.text), query.brand.map { .text($0) } ?? .null, query.priceMax.map { .double($0) } ?? .null])
                let pgTime = milliseconds(since: pgStart)
                if run == 0 { cold.append(ourTime) }
                if run > 0 {
                    ours.append(ourTime)
                    byKind[query.kind, default: []].append(ourTime)
                    worst.append((ourTime, query, Int(response.totalMatches)))
                    if worst.count > 200 {
                        worst.sort { $0.ms > $1.ms }
                        worst.removeLast(worst.count - 20)
                    }
                    postgres.append(pgTime)
                    if run == 1 {
                        if response.results.isEmpty {
                            ourEmpty += 1
                            ourEmptyQueries.append(query)
                        }
                        if rows.isEmpty { pgEmpty += 1 }
                        ourMatches.append(Int(response.totalMatches))
                    }
                }
            }
        }
        // The floor of each side: a look-up by id that does next to no work (GetProduct from
        // rec-svc's memory; a primary-key SELECT), alternating as above. What a call costs
        // before any searching: the round trip, the protocol, the wake-ups.
        let ids = try connection.query("SELECT id FROM products WHERE deleted_at IS NULL ORDER BY id LIMIT 1000").compactMap { $0["id"] }
        var rpcFloor: [Double] = [], pgFloor: [Double] = []
        for pass in 0..<2 {
            for id in ids {
                let start = ContinuousClock.now
                _ = try await client.getProduct(RecV1.GetProductRequest(productID: id))
                let rpcTime = milliseconds(since: start)
                let pgStart = ContinuousClock.now
                _ = try connection.query("SELECT sku FROM products WHERE id = $1", [.text(id)])
                let pgTime = milliseconds(since: pgStart)
                if pass > 0 {
                    rpcFloor.append(rpcTime)
                    pgFloor.append(pgTime)
                }
            }
        }
        let line = JSONValue.object([
            "queries": JSONValue(queries.count), "runs": JSONValue(runs),
            "ours_p50_ms": JSONValue(round3(percentile(ours, 0.5)))!, "ours_p95_ms": JSONValue(round3(percentile(ours, 0.95)))!,
            "ours_p99_ms": JSONValue(round3(percentile(ours, 0.99)))!, "ours_max_ms": JSONValue(round3(ours.max() ?? 0))!,
            "ours_cold_p50_ms": JSONValue(round3(percentile(cold, 0.5)))!, "ours_cold_p95_ms": JSONValue(round3(percentile(cold, 0.95)))!,
            "ours_cold_p99_ms": JSONValue(round3(percentile(cold, 0.99)))!,
            "pg_p50_ms": JSONValue(round3(percentile(postgres, 0.5)))!, "pg_p95_ms": JSONValue(round3(percentile(postgres, 0.95)))!,
            "pg_p99_ms": JSONValue(round3(percentile(postgres, 0.99)))!, "pg_max_ms": JSONValue(round3(postgres.max() ?? 0))!,
            "ours_empty": JSONValue(ourEmpty), "pg_empty": JSONValue(pgEmpty),
            "ours_empty_queries": .array(ourEmptyQueries.prefix(10).map { $0.described() }),
            "floor_rpc_p50_ms": JSONValue(round3(percentile(rpcFloor, 0.5)))!, "floor_pg_p50_ms": JSONValue(round3(percentile(pgFloor, 0.5)))!,
            "ours_matches_p50": JSONValue(ourMatches.sorted()[ourMatches.count / 2]),
            // Where the tail is: the warm latency by query kind, and the slowest queries.
            "ours_by_kind": .object(
                byKind.mapValues { times in
                    .object([
                        "n": JSONValue(times.count), "p50_ms": JSONValue(round3(percentile(times, 0.5)))!,
                        "p99_ms": JSONValue(round3(percentile(times, 0.99)))!,
                    ])
                }),
            "ours_slowest": .array(
                worst.sorted { $0.ms > $1.ms }.prefix(10).map { entry in
                    entry.query.described(["ms": JSONValue(round3(entry.ms))!, "matches": JSONValue(entry.matches)])
                }),
        ])
        print(line.serialized())
    }

    static func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
