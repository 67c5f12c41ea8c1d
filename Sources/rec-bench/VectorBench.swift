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
        let items = try itemVectors(try PostgresConnection(conninfo: conninfo))
        let encoder = try SentenceEncoder()
        let texts = try SearchBench.readQueries(queriesPath).map(\.text)
        let queries = texts.map { encoder.encode($0) }
        try measure(items: items, queries: queries, outDirectory: outDirectory)
    }

    /// Every item text vector of the current model version, in product id order.
    static func itemVectors(_ connection: PostgresConnection) throws -> [(id: Int64, vector: [Float])] {
        var items: [(id: Int64, vector: [Float])] = []
        var last: Int64 = 0
        while true {  // pages of 5,000: the hex text of 100k vectors at once would be 300 MB
            let rows = try connection.query(
                "SELECT product_id, vector FROM item_embeddings WHERE model_version = $1 AND product_id > $2 ORDER BY product_id LIMIT 5000",
                [.text(TextEmbeddings.version), .int(last)])
            for row in rows {
                guard let id = Int64(row["product_id"] ?? ""), let vector = row["vector"].flatMap(VectorMath.floats(byteaHex:)) else { continue }
                items.append((id, vector))
                last = id
            }
            if rows.count < 5000 { break }
        }
        return items
    }

    /// The same on the files a previous run wrote (OUT/items.f32, item_ids.txt, queries.f32).
    static func run(directory: String, dimensions: Int) throws {
        let floats = try read(directory + "/items.f32")
        let ids = try readText(directory + "/item_ids.txt").split(separator: "\n").compactMap { Int64($0) }
        let items = ids.enumerated().map { ($0.element, Array(floats[($0.offset * dimensions)..<(($0.offset + 1) * dimensions)])) }
        let queryFloats = try read(directory + "/queries.f32")
        let queries = (0..<(queryFloats.count / dimensions)).map { Array(queryFloats[($0 * dimensions)..<(($0 + 1) * dimensions)]) }
        try measure(items: items, queries: queries, outDirectory: directory)
    }

    static func readText(_ path: String) throws -> String {
        guard let file = fopen(path, "rb") else { throw BenchError("cannot read \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65_536, file) }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func read(_ path: String) throws -> [Float] {
        guard let file = fopen(path, "rb") else { throw BenchError("cannot read \(path)") }
        defer { fclose(file) }
        fseek(file, 0, SEEK_END)
        let count = ftell(file) / 4
        fseek(file, 0, SEEK_SET)
        var result = [Float](repeating: 0, count: count)
        _ = result.withUnsafeMutableBufferPointer { fread($0.baseAddress, 4, count, file) }
        return result
    }

    static func measure(items: [(id: Int64, vector: [Float])], queries: [[Float]], outDirectory: String) throws {
        guard let dimensions = items.first?.vector.count else { throw BenchError("no item vectors: run rec-svc embed first") }

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
        for ef in [16, 32, 64, 128, 256, 384, 512, 768] {
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
