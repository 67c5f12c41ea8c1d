import Embeddings
import Glibc
import JSON
import Postgres
import RecService

/// Vector search on the catalog's item text vectors: our HNSW against the exact scan, at a
/// sweep of beam widths, one query at a time on one thread. Writes the vectors, the query
/// vectors and the exact top-10 to OUT/ so bench/rec/faiss_anchor.py measures faiss on the
/// very same data.
enum VectorBench {
    static func run(conninfo: String, queriesPath: String, outDirectory: String) throws {
        let connection = try PostgresConnection(conninfo: conninfo)
        let rows = try connection.query(
            "SELECT product_id, vector FROM item_embeddings WHERE model_version = $1 ORDER BY product_id", [.text(TextEmbeddings.version)])
        var items: [(id: Int64, vector: [Float])] = []
        for row in rows {
            guard let id = Int64(row["product_id"] ?? ""), let vector = row["vector"].flatMap(VectorMath.floats(byteaHex:)) else { continue }
            items.append((id, vector))
        }
        guard let dimensions = items.first?.vector.count else { throw BenchError("no item vectors: run rec-svc embed first") }
        let encoder = try SentenceEncoder()
        let texts = try SearchBench.readQueries(queriesPath).map(\.text)
        let queries = texts.map { encoder.encode($0) }

        var start = ContinuousClock.now
        let index = VectorIndex(dimensions: dimensions)
        index.add(items)
        let buildSeconds = seconds(since: start)

        // Ground truth and the exact scan's speed.
        start = ContinuousClock.now
        let truth = queries.map { index.exactSearch($0, k: 10).map(\.id) }
        let exactQPS = Double(queries.count) / seconds(since: start)

        try write(items.flatMap(\.vector), to: "\(outDirectory)/items.f32")
        try write(queries.flatMap { $0 }, to: "\(outDirectory)/queries.f32")
        try writeText(items.map { String($0.id) }.joined(separator: "\n"), to: "\(outDirectory)/item_ids.txt")
        try writeText(truth.map { $0.map(String.init).joined(separator: " ") }.joined(separator: "\n"), to: "\(outDirectory)/truth.txt")

        var sweep: [JSONValue] = []
        for ef in [10, 16, 24, 32, 48, 64, 96, 128, 192, 256] {
            var hits = 0
            var runs: [Double] = []
            for _ in 0..<3 {
                hits = 0
                start = ContinuousClock.now
                for (query, expected) in zip(queries, truth) {
                    let found = index.search(query, k: 10, ef: ef)
                    hits += found.filter { expected.contains($0.id) }.count
                }
                runs.append(Double(queries.count) / seconds(since: start))
            }
            sweep.append(.object([
                "ef": JSONValue(ef), "recall10": JSONValue(Double(hits) / Double(queries.count * 10))!,
                "qps": JSONValue(runs.sorted()[1].rounded())!,
            ]))
        }
        print(JSONValue.object([
            "engine": "voiceshop", "items": JSONValue(items.count), "dimensions": JSONValue(dimensions),
            "queries": JSONValue(queries.count), "build_seconds": JSONValue(buildSeconds)!, "exact_qps": JSONValue(exactQPS.rounded())!,
            "m": JSONValue(index.parameters.m), "ef_construction": JSONValue(index.parameters.efConstruction), "sweep": .array(sweep),
        ]).serialized())
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        Double((ContinuousClock.now - start) / .microseconds(1)) / 1e6
    }

    static func write(_ floats: [Float], to path: String) throws {
        guard let file = fopen(path, "wb") else { throw BenchError("cannot write \(path)") }
        defer { fclose(file) }
        _ = floats.withUnsafeBufferPointer { fwrite($0.baseAddress, 4, $0.count, file) }
    }

    static func writeText(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw BenchError("cannot write \(path)") }
        defer { fclose(file) }
        fputs(text + "\n", file)
    }
}
