public import RPCCore
public import RPCHTTP2Transport
public import ServiceRuntime
internal import Synchronization

/// What every gRPC service reports about its calls: Prometheus metrics in the names that
/// go-grpc-prometheus made common (`grpc_server_started_total`, `grpc_server_handled_total`,
/// `grpc_server_handling_seconds`), in-flight calls and connections, and one JSON log line
/// per call with its trace (trace id, span id, parent span), request id, status and duration.
///
/// The log line carries no message contents, metadata values or user ids: only the method,
/// status, timing and ids that join the spans of one request.
///
/// The per-call work is on the event loops' hot path, so each method's counts live in one
/// small locked struct found through an immutable table built at start (no registry lookup,
/// no label hashing per call), and are read by the registry at scrape time.
public final class ServiceTelemetry: ServerCallObserver, Sendable {
    /// The counts of one method (or of the unknown ones).
    final class MethodStats: Sendable {
        struct Counts {
            var started = 0
            var handled = [Int](repeating: 0, count: StatusCode.allCases.count)
            var buckets = [UInt64](repeating: 0, count: Histogram.latencyBuckets.count + 1)
            var seconds: Double = 0
            var ended: UInt64 = 0
        }

        let labels: [String]
        let path: String
        let counts = Mutex(Counts())

        init(labels: [String], path: String) {
            self.labels = labels
            self.path = path
        }
    }

    /// The registry the metrics live in (services add their own to it).
    public let registry: MetricsRegistry
    private let logger: Logger
    private let logCalls: Bool
    private let methods: [MethodDescriptor: MethodStats]
    private let unknown = MethodStats(labels: ["unknown", "unknown", "unary"], path: "unknown")
    private let inFlight = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)
    private let acceptedConnections = Atomic<Int>(0)

    /// Creates the call metrics in `registry` for the methods of `services`.
    /// - Parameter logCalls: whether to log one line per call (health checks only at debug level).
    public init(registry: MetricsRegistry, logger: Logger, services: [any RegistrableRPCService], logCalls: Bool = true) {
        self.registry = registry
        self.logger = logger
        self.logCalls = logCalls
        var router = RPCRouter()
        for service in services { service.registerMethods(with: &router) }
        var methods: [MethodDescriptor: MethodStats] = [:]
        for method in router.methods {
            methods[method] = MethodStats(labels: Self.labels(method), path: method.path)
        }
        self.methods = methods
        let all = Array(methods.values) + [unknown]
        let labels = ["grpc_service", "grpc_method", "grpc_type"]
        registry.collect("grpc_server_started_total", help: "gRPC calls started, by method.", type: .counter, labels: labels) {
            all.compactMap { stats in
                let started = stats.counts.withLock { $0.started }
                return started > 0 ? (labels: stats.labels, value: Double(started)) : nil
            }
        }
        registry.collect(
            "grpc_server_handled_total", help: "gRPC calls ended, by method and status code.", type: .counter,
            labels: labels + ["grpc_code"]
        ) {
            all.flatMap { stats in
                let handled = stats.counts.withLock { $0.handled }
                return handled.enumerated().compactMap { code, count in
                    count > 0 ? (labels: stats.labels + [StatusCode.allCases[code].name], value: Double(count)) : nil
                }
            }
        }
        registry.collectHistogram(
            "grpc_server_handling_seconds", help: "Time from a call's request headers to its end, by method.", labels: labels,
            bounds: Histogram.latencyBuckets
        ) {
            all.compactMap { stats in
                let counts = stats.counts.withLock { $0 }
                return counts.ended > 0 ? (labels: stats.labels, buckets: counts.buckets, sum: counts.seconds, count: counts.ended) : nil
            }
        }
        registry.collect("grpc_server_in_flight_calls", help: "gRPC calls being served now.") { [unowned self] in
            Double(self.inFlight.load(ordering: .relaxed))
        }
        registry.collect("grpc_server_open_connections", help: "HTTP/2 connections open now.") { [unowned self] in
            Double(self.openConnections.load(ordering: .relaxed))
        }
        registry.collect("grpc_server_connections_total", help: "HTTP/2 connections accepted.", type: .counter) { [unowned self] in
            Double(self.acceptedConnections.load(ordering: .relaxed))
        }
    }

    /// Adds the server's handler-pool figures (read at scrape time).
    public func observePool(of server: HTTP2Server) {
        registry.collect("grpc_server_handlers_running", help: "Pooled (off-loop) handlers running now.") {
            Double(server.handlerPool.running)
        }
        registry.collect("grpc_server_handlers_limit", help: "Pooled handlers that may run at once (--max-handlers).") {
            Double(server.handlerPool.limit)
        }
        registry.collect(
            "grpc_server_rejected_total", help: "Calls refused with RESOURCE_EXHAUSTED because the handler pool was full.", type: .counter
        ) { Double(server.statistics.rejectedCalls) }
    }

    public func callStarted(_ method: MethodDescriptor) {
        (methods[method] ?? unknown).counts.withLock { $0.started += 1 }
        inFlight.add(1, ordering: .relaxed)
    }

    public func callEnded(_ record: ServerCallRecord) {
        let stats = record.method.flatMap { methods[$0] } ?? unknown
        let seconds = record.duration.inSeconds
        let bounds = Histogram.latencyBuckets
        var bucket = bounds.count
        for (index, bound) in bounds.enumerated() where seconds <= bound {
            bucket = index
            break
        }
        stats.counts.withLock { counts in
            counts.handled[record.code.rawValue] += 1
            counts.buckets[bucket] += 1
            counts.seconds += seconds
            counts.ended += 1
        }
        if record.method != nil { inFlight.subtract(1, ordering: .relaxed) }
        guard logCalls else { return }
        let isHealth = record.method?.service == "grpc.health.v1.Health"
        let level: Logger.Level = isHealth ? .debug : (record.code == .internal || record.code == .unknown || record.code == .dataLoss ? .warning : .info)
        logger.log(level, "rpc") { line in
            line.string("method", stats.path)
            line.string("code", record.code.name)
            line.milliseconds("duration_ms", record.duration)
            if let context = record.context {
                line.string("request_id", context.requestID)
                line.string("trace_id", context.trace.traceID)
                line.string("span_id", context.trace.spanID)
                if let parent = context.trace.parentSpanID { line.string("parent_span_id", parent) }
            }
        }
    }

    public func connectionOpened() {
        openConnections.add(1, ordering: .relaxed)
        acceptedConnections.add(1, ordering: .relaxed)
    }

    public func connectionClosed() { openConnections.subtract(1, ordering: .relaxed) }

    private static func labels(_ method: MethodDescriptor) -> [String] {
        let type: String
        switch (method.kind.clientStreams, method.kind.serverStreams) {
        case (false, false): type = "unary"
        case (false, true): type = "server_stream"
        case (true, false): type = "client_stream"
        case (true, true): type = "bidi_stream"
        }
        return [method.service, method.method, type]
    }
}
