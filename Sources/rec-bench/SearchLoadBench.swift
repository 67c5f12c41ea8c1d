import Glibc
import JSON
import Protos
import RPCCore
import RPCHTTP2Transport
import Synchronization

/// Search under concurrent load through one channel (one HTTP/2 connection, as the gateway
/// holds to rec-svc): `concurrency` callers take the queries in turn for `seconds`, and the
/// throughput and latency percentiles are printed. It shows how rec-svc's handlers share its
/// cores when the calls arrive together on one connection, which the one-at-a-time search
/// benchmark does not.
enum SearchLoadBench {
    static func run(target: String, queriesPath: String, concurrency: Int, seconds: Double) async throws {
        let queries = try SearchBench.readQueries(queriesPath)
        let channel = try HTTP2Channel(target: target)
        defer { channel.close() }
        let client = RecV1.Rec.Client(channel: channel)
        let requests = queries.map(\.request)
        // Every query once first: its vector is then cached, as in the warm passes.
        for request in requests { _ = try await client.search(request) }
        let next = Turn()
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let times: [Double] = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine: [Double] = []
                    while ContinuousClock.now < end {
                        let request = requests[next.take() % requests.count]
                        let start = ContinuousClock.now
                        _ = try await client.search(request)
                        mine.append(SearchBench.milliseconds(since: start))
                    }
                    return mine
                }
            }
            var all: [Double] = []
            for try await mine in group { all += mine }
            return all
        }
        func at(_ p: Double) -> Double { SearchBench.round3(SearchBench.percentile(times, p)) }
        print(
            JSONValue.object([
                "concurrency": JSONValue(concurrency), "calls": JSONValue(times.count),
                "per_second": JSONValue((Double(times.count) / seconds).rounded())!,
                "p50_ms": JSONValue(at(0.5))!, "p99_ms": JSONValue(at(0.99))!,
            ]).serialized())
    }
}

/// Hands out 0, 1, 2, … to concurrent callers.
private final class Turn: Sendable {
    private let counter = Atomic<Int>(0)
    func take() -> Int { counter.add(1, ordering: .relaxed).oldValue }
}
