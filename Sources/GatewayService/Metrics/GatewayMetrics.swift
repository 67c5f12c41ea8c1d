public import ServiceRuntime

/// The gateway's Prometheus metrics: requests by route and status, latency histograms per
/// route and per stage (asr, nlu, rec, and the gateway's own overhead), rate-limit refusals
/// and failed downstream calls. They live in the process's registry, beside the gRPC server's,
/// and `/metrics` serves them all.
public final class GatewayMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: MetricsRegistry
    private let requests: Counter
    private let routes: Histogram
    private let stages: Histogram
    private let rateLimitedRequests: Counter
    private let downstreamErrors: Counter
    private let utterancesRecorded: Counter

    /// Registers the gateway's metrics in `registry`.
    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        requests = registry.counter(
            "gateway_http_requests_total", help: "HTTP requests by route, method and status.", labels: ["route", "method", "status"])
        routes = registry.histogram("gateway_http_request_duration_seconds", help: "HTTP request latency by route.", labels: ["route"])
        stages = registry.histogram(
            "gateway_stage_duration_seconds", help: "Time spent per stage of a search (asr, nlu, rec, overhead).", labels: ["stage"])
        rateLimitedRequests = registry.counter("gateway_rate_limited_total", help: "Requests refused by a key's rate limit.", labels: ["key"])
        downstreamErrors = registry.counter(
            "gateway_downstream_errors_total", help: "Failed downstream calls by service and code.", labels: ["service", "code"])
        utterancesRecorded = registry.counter(
            "gateway_utterances_recorded_total", help: "Searches recorded for the voice funnel, by outcome (ok, failed, or dropped when rec-svc falls behind).",
            labels: ["outcome"])
    }

    /// Counts a request and observes its latency.
    public func request(route: String, method: String, status: Int, seconds: Double) {
        requests.increment([route, method, String(status)])
        routes.observe(seconds, [route])
    }

    /// Observes the time of a stage (asr, nlu, rec, overhead).
    public func stage(_ name: String, seconds: Double) { stages.observe(seconds, [name]) }

    /// Counts a request refused by a key's rate limit (labelled by the key's name, never the key).
    public func rateLimited(key: String) { rateLimitedRequests.increment([key]) }

    /// Counts a failed downstream call by service and code.
    public func downstreamError(service: String, code: String) { downstreamErrors.increment([service, code]) }

    /// What became of an utterance recorded for the voice funnel.
    enum UtteranceOutcome: String { case ok, failed, dropped }

    /// Counts utterances sent to rec-svc, failed, or dropped because too many were waiting.
    func utterancesRecorded(_ outcome: UtteranceOutcome, count: Int) {
        utterancesRecorded.increment([outcome.rawValue], by: Double(count))
    }

    /// The metrics in the Prometheus text format (version 0.0.4).
    public func render() -> String { registry.render() }
}
