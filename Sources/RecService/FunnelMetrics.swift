internal import Postgres
internal import Protos
public import ServiceRuntime
internal import Synchronization

/// The voice funnel of the last hour as Prometheus gauges, so a dashboard can chart it:
/// every `interval` it runs the same query as `CatalogAdmin/Funnel` (on the pool, so a
/// database outage only leaves the last figures in place) and the registry reads the result.
public final class FunnelMetrics: Service, Sendable {
    private let runtime: RecRuntime
    private let interval: Duration
    private let latest = Mutex<RecV1.FunnelResponse?>(nil)
    /// The stages with their values, in funnel order.
    static func stages(_ stages: RecV1.FunnelStages) -> [(String, Int64)] {
        [
            ("utterances", stages.utterances), ("results_shown", stages.resultsShown), ("clicked", stages.clicked),
            ("added_to_cart", stages.addedToCart), ("purchased", stages.purchased),
        ]
    }

    /// Registers `rec_funnel_last_hour` and `rec_funnel_last_hour_by_confidence`.
    public init(runtime: RecRuntime, registry: MetricsRegistry, interval: Duration = .seconds(60)) {
        self.runtime = runtime
        self.interval = interval
        registry.collect(
            "rec_funnel_last_hour", help: "Utterances of the last hour that reached each funnel stage (refreshed every minute).",
            labels: ["stage"]
        ) {
            guard let overall = self.latest.withLock({ $0?.overall }) else { return [] }
            return Self.stages(overall).map { (labels: [$0.0], value: Double($0.1)) }
        }
        registry.collect(
            "rec_funnel_last_hour_by_confidence",
            help: "The last hour's funnel by ASR confidence bucket (text = typed), so misrecognition's cost in conversions shows.",
            labels: ["bucket", "stage"]
        ) {
            let groups = self.latest.withLock { $0?.byConfidence ?? [] }
            return groups.flatMap { group in
                Self.stages(group.stages ?? RecV1.FunnelStages()).map { (labels: [group.key, $0.0], value: Double($0.1)) }
            }
        }
    }

    public func run() async throws {
        while !Task.isCancelled {
            let until = WallClock.nowMilliseconds()
            if let report = try? await runtime.pool.withTransaction({ try FunnelStore.report(sinceMs: until - 3_600_000, untilMs: until, $0) }) {
                latest.withLock { $0 = report }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
