import Embeddings
import Glibc

/// voiceshop-embed: sentence vectors from the command line, and the Swift side of
/// bench/embeddings/run.
///
///   voiceshop-embed encode < lines          one JSON array of 384 floats per input line
///   voiceshop-embed bench QUERIES TITLES [--seconds S]
///                                           latency of single queries (one thread), throughput
///                                           of batches of titles, resident memory; one JSON object
///
/// The model comes from $VOICESHOP_MODELS_DIR/all-minilm-l6-v2 (default .voiceshop/models/…).
@main
enum VoiceShopEmbed {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let loadStart = now()
        let encoder: SentenceEncoder
        do {
            encoder = try SentenceEncoder()
        } catch {
            fail("\(error)")
        }
        let loadSeconds = now() - loadStart
        switch arguments.first {
        case "encode":
            while let line = readLine() {
                print("[" + encoder.encode(line).map { formatted($0) }.joined(separator: ",") + "]")
            }
        case "bench" where arguments.count >= 3:
            var seconds = 5.0
            if let index = arguments.firstIndex(of: "--seconds"), index + 1 < arguments.count {
                seconds = Double(arguments[index + 1]) ?? seconds
            }
            bench(encoder, queries: readLines(arguments[1]), titles: readLines(arguments[2]), seconds: seconds, loadSeconds: loadSeconds)
        default:
            fail("usage: voiceshop-embed encode < lines | voiceshop-embed bench QUERIES TITLES [--seconds S]")
        }
    }

    static func bench(_ encoder: SentenceEncoder, queries: [String], titles: [String], seconds: Double, loadSeconds: Double) {
        let rssLoaded = statusKB("VmRSS")
        // Single queries, one thread: cycle through the queries for `seconds`.
        for query in queries { _ = encoder.encode(query) }  // warm-up
        var latencies: [Double] = []
        let end = now() + seconds
        var index = 0
        while now() < end {
            let start = now()
            _ = encoder.encode(queries[index % queries.count])
            latencies.append(now() - start)
            index += 1
        }
        latencies.sort()
        let tokens = queries.map { Double(encoder.tokenizer.tokenIDs($0).count) }.reduce(0, +) / Double(queries.count)
        let titleTokens = titles.map { Double(encoder.tokenizer.tokenIDs($0).count) }.reduce(0, +) / Double(titles.count)

        // Titles: one at a time (the first 500), then packed batches on 1 and 2 threads.
        func throughput(_ count: Int, _ body: () -> Void) -> Double {
            let start = now()
            body()
            return Double(count) / (now() - start)
        }
        let some = Array(titles.prefix(500))
        let loop = throughput(some.count) { for title in some { _ = encoder.encode(title) } }
        let packed = throughput(titles.count) { _ = encoder.encode(batch: titles, threads: 1) }
        let two = throughput(titles.count) { _ = encoder.encode(batch: titles, threads: 2) }
        let rows: [(String, String)] = [
            ("load_seconds", formatted(loadSeconds)),
            ("query_count", "\(latencies.count)"),
            ("query_tokens_mean", formatted(tokens)),
            ("query_p50_ms", formatted(percentile(latencies, 0.50) * 1000)),
            ("query_p99_ms", formatted(percentile(latencies, 0.99) * 1000)),
            ("query_mean_ms", formatted(latencies.reduce(0, +) / Double(latencies.count) * 1000)),
            ("titles", "\(titles.count)"),
            ("title_tokens_mean", formatted(titleTokens)),
            ("titles_per_s_loop_1thread", formatted(loop)),
            ("titles_per_s_batch_1thread", formatted(packed)),
            ("titles_per_s_batch_2threads", formatted(two)),
            ("rss_loaded_mb", formatted(Double(rssLoaded) / 1024)),
            ("rss_mb", formatted(Double(statusKB("VmRSS")) / 1024)),
            ("peak_rss_mb", formatted(Double(statusKB("VmHWM")) / 1024)),
        ]
        print("{" + rows.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// A field of /proc/self/status, in kB.
    static func statusKB(_ field: String) -> Int {
        for line in readLines("/proc/self/status") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return 0
    }

    static func readLines(_ path: String) -> [String] {
        guard let file = fopen(path, "r") else { fail("cannot open \(path)") }
        defer { fclose(file) }
        var lines: [String] = []
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while true {
            let length = getline(&buffer, &capacity, file)
            guard length >= 0, let buffer else { break }
            var line = String(cString: buffer)
            if line.hasSuffix("\n") { line.removeLast() }
            if !line.isEmpty { lines.append(line) }
        }
        return lines
    }

    static func formatted(_ value: Float) -> String { formatted(Double(value), digits: 7) }

    /// A number with `digits` significant digits, for JSON.
    static func formatted(_ value: Double, digits: Int = 4) -> String {
        var buffer = [CChar](repeating: 0, count: 32)
        _ = withVaList([digits, value]) { vsnprintf(&buffer, buffer.count, "%.*g", $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func fail(_ message: String) -> Never {
        var line = "voiceshop-embed: \(message)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        exit(1)
    }
}
