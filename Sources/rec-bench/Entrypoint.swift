import Glibc
import RecService

/// rec-bench: the measurements behind bench/rec/run (docs/benchmarks.md). Not a service.
///   rec-bench movielens FILE [--grid small|full]
///   rec-bench search HOST:PORT CONNINFO QUERIES.jsonl [RUNS]
///   rec-bench vectors CONNINFO QUERIES.jsonl OUT_DIR
///   rec-bench search-local CONNINFO QUERIES.jsonl [RUNS]
///   rec-bench search-load HOST:PORT QUERIES.jsonl CONCURRENCY SECONDS
@main
enum Entrypoint {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            switch arguments.first {
            case "movielens":
                guard arguments.count >= 2 else { throw BenchError("usage: rec-bench movielens ml-100k.inter [--grid small|full]") }
                let full = arguments.contains("full")
                var grid: [ALSTrainer.Settings] = []
                for factors in full ? [32, 64, 128] : [64] {
                    for regularization: Float in full ? [0.01, 0.1, 1, 5, 10, 20, 40] : [0.01, 1, 5, 10, 20] {
                        for iterations in full ? [15, 30] : [30] {
                            for alpha: Float in full ? [1, 2, 5] : [1, 2] {
                                var settings = ALSTrainer.Settings()
                                settings.factors = factors
                                settings.regularization = regularization
                                settings.iterations = iterations
                                settings.alpha = alpha
                                grid.append(settings)
                            }
                        }
                    }
                }
                try MovieLens.run(path: arguments[1], grid: grid)
            case "search":
                // rec-bench search HOST:PORT CONNINFO QUERIES.jsonl [RUNS]
                guard arguments.count >= 4 else { throw BenchError("usage: rec-bench search HOST:PORT CONNINFO QUERIES.jsonl [RUNS]") }
                let runs = arguments.count > 4 ? Int(arguments[4]) : 3
                guard let runs, runs >= 1 else { throw BenchError("RUNS (the warm passes after the cold one) must be a whole number from 1") }
                try await SearchBench.run(target: arguments[1], conninfo: arguments[2], queriesPath: arguments[3], runs: runs)
            case "search-load":
                // rec-bench search-load HOST:PORT QUERIES.jsonl CONCURRENCY SECONDS
                guard arguments.count == 5, let concurrency = Int(arguments[3]), concurrency >= 1, let seconds = Double(arguments[4]), seconds > 0 else {
                    throw BenchError("usage: rec-bench search-load HOST:PORT QUERIES.jsonl CONCURRENCY SECONDS")
                }
                try await SearchLoadBench.run(target: arguments[1], queriesPath: arguments[2], concurrency: concurrency, seconds: seconds)
            case "search-local":
                // rec-bench search-local CONNINFO QUERIES.jsonl [RUNS]: the search in process, per variant
                guard arguments.count >= 3 else { throw BenchError("usage: rec-bench search-local CONNINFO QUERIES.jsonl [RUNS]") }
                let runs = arguments.count > 3 ? Int(arguments[3]) : 2
                guard let runs, runs >= 1 else { throw BenchError("RUNS (the measured passes after the warm-up) must be a whole number from 1") }
                try SearchLocalBench.run(conninfo: arguments[1], queriesPath: arguments[2], runs: runs)
            case "vectors-files":
                // rec-bench vectors-files DIR DIMENSIONS: rerun on the files `vectors` wrote
                guard arguments.count == 3, let dimensions = Int(arguments[2]) else { throw BenchError("usage: rec-bench vectors-files DIR DIMENSIONS") }
                try VectorBench.run(directory: arguments[1], dimensions: dimensions)
            case "vectors":
                // rec-bench vectors CONNINFO QUERIES.jsonl OUT_DIR
                guard arguments.count == 4 else { throw BenchError("usage: rec-bench vectors CONNINFO QUERIES.jsonl OUT_DIR") }
                try VectorBench.run(conninfo: arguments[1], queriesPath: arguments[2], outDirectory: arguments[3])
            default:
                throw BenchError("usage: rec-bench movielens FILE [--grid small|full] | rec-bench search HOST:PORT CONNINFO QUERIES")
            }
        } catch {
            let text = Array("rec-bench: \(error)\n".utf8)
            _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            exit(1)
        }
    }
}
