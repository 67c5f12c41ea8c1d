internal import Synchronization

/// The gateway's Prometheus metrics: requests by route and status, latency histograms per
/// route and per stage (asr, nlu, rec, and the gateway's own overhead), rate-limit refusals.
public final class GatewayMetrics: Sendable {
    /// Histogram bucket bounds, in seconds.
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Histogram {
        var counts = [UInt64](repeating: 0, count: GatewayMetrics.bounds.count + 1)
        var sum: Double = 0
        var count: UInt64 = 0

        mutating func observe(_ seconds: Double) {
            var index = GatewayMetrics.bounds.count
            for (i, bound) in GatewayMetrics.bounds.enumerated() where seconds <= bound {
                index = i
                break
            }
            counts[index] += 1
            sum += seconds
            count += 1
        }
    }

    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct State {
        var requests: [RequestKey: UInt64] = [:]
        var routes: [String: Histogram] = [:]
        var stages: [String: Histogram] = [:]
        var rateLimited: [String: UInt64] = [:]
        var downstreamErrors: [String: UInt64] = [:]
    }

    private let state = Mutex(State())

    /// Creates empty metrics.
    public init() {}

    /// Counts a request and observes its latency.
    public func request(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
            state.routes[route, default: Histogram()].observe(seconds)
        }
    }

    /// Observes the time of a stage (asr, nlu, rec, overhead).
    public func stage(_ name: String, seconds: Double) {
        state.withLock { $0.stages[name, default: Histogram()].observe(seconds) }
    }

    /// Counts a request refused by a key's rate limit.
    public func rateLimited(key: String) {
        state.withLock { $0.rateLimited[key, default: 0] += 1 }
    }

    /// Counts a failed downstream call by service and code.
    public func downstreamError(service: String, code: String) {
        state.withLock { $0.downstreamErrors["\(service)|\(code)", default: 0] += 1 }
    }

    /// The metrics in the Prometheus text format (version 0.0.4).
    public func render(extra: [(name: String, help: String, value: Double)] = []) -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        out += "# HELP gateway_http_requests_total HTTP requests by route, method and status.\n"
        out += "# TYPE gateway_http_requests_total counter\n"
        for (key, count) in snapshot.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "gateway_http_requests_total{route=\"\(escape(key.route))\",method=\"\(key.method)\",status=\"\(key.status)\"} \(count)\n"
        }
        out += histogram("gateway_http_request_duration_seconds", "HTTP request latency by route.", "route", snapshot.routes)
        out += histogram(
            "gateway_stage_duration_seconds", "Time spent per stage of a search (asr, nlu, rec, overhead).", "stage", snapshot.stages)
        out += "# HELP gateway_rate_limited_total Requests refused by a key's rate limit.\n"
        out += "# TYPE gateway_rate_limited_total counter\n"
        for (key, count) in snapshot.rateLimited.sorted(by: { $0.key < $1.key }) {
            out += "gateway_rate_limited_total{key=\"\(escape(key))\"} \(count)\n"
        }
        out += "# HELP gateway_downstream_errors_total Failed downstream calls by service and code.\n"
        out += "# TYPE gateway_downstream_errors_total counter\n"
        for (key, count) in snapshot.downstreamErrors.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            out += "gateway_downstream_errors_total{service=\"\(escape(parts[0]))\",code=\"\(escape(parts.count > 1 ? parts[1] : ""))\"} \(count)\n"
        }
        for (name, help, value) in extra {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(format(value))\n"
        }
        return out
    }

    private func histogram(_ name: String, _ help: String, _ label: String, _ values: [String: Histogram]) -> String {
        var out = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (key, histogram) in values.sorted(by: { $0.key < $1.key }) {
            var cumulative: UInt64 = 0
            for (index, bound) in Self.bounds.enumerated() {
                cumulative += histogram.counts[index]
                out += "\(name)_bucket{\(label)=\"\(escape(key))\",le=\"\(format(bound))\"} \(cumulative)\n"
            }
            cumulative += histogram.counts[Self.bounds.count]
            out += "\(name)_bucket{\(label)=\"\(escape(key))\",le=\"+Inf\"} \(cumulative)\n"
            out += "\(name)_sum{\(label)=\"\(escape(key))\"} \(format(histogram.sum))\n"
            out += "\(name)_count{\(label)=\"\(escape(key))\"} \(histogram.count)\n"
        }
        return out
    }

    private func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    private func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
