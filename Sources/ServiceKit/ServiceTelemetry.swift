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
public final class ServiceTelemetry: ServerCallObserver, Sendable {
    /// The registry the metrics live in (services add their own to it).
    public let registry: MetricsRegistry
    private let logger: Logger
    private let logCalls: Bool
    private let started: Counter
    private let handled: Counter
    private let handling: Histogram
    private let inFlight: Gauge
    private let connections: Gauge
    private let connectionsTotal: Counter

    /// Creates the call metrics in `registry`.
    /// - Parameter logCalls: whether to log one line per call (health checks only at debug level).
    public init(registry: MetricsRegistry, logger: Logger, logCalls: Bool = true) {
        self.registry = registry
        self.logger = logger
        self.logCalls = logCalls
        let labels = ["grpc_service", "grpc_method", "grpc_type"]
        started = registry.counter("grpc_server_started_total", help: "gRPC calls started, by method.", labels: labels)
        handled = registry.counter(
            "grpc_server_handled_total", help: "gRPC calls ended, by method and status code.", labels: labels + ["grpc_code"])
        handling = registry.histogram(
            "grpc_server_handling_seconds", help: "Time from a call's request headers to its end, by method.", labels: labels)
        inFlight = registry.gauge("grpc_server_in_flight_calls", help: "gRPC calls being served now.")
        connections = registry.gauge("grpc_server_open_connections", help: "HTTP/2 connections open now.")
        connectionsTotal = registry.counter("grpc_server_connections_total", help: "HTTP/2 connections accepted.")
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
        started.increment(Self.labels(method))
        inFlight.add(1)
    }

    public func callEnded(_ record: ServerCallRecord) {
        let labels = record.method.map(Self.labels) ?? ["unknown", "unknown", "unary"]
        let seconds = Double(record.duration.components.seconds) + Double(record.duration.components.attoseconds) * 1e-18
        handled.increment(labels + [record.code.name])
        handling.observe(seconds, labels)
        if record.method != nil { inFlight.add(-1) }
        guard logCalls else { return }
        let isHealth = record.method?.service == "grpc.health.v1.Health"
        let level: Logger.Level = isHealth ? .debug : (record.code == .internal || record.code == .unknown || record.code == .dataLoss ? .warning : .info)
        guard level >= logger.minimumLevel else { return }
        var fields: [String: any Sendable] = [
            "method": record.method.map { "/\($0.service)/\($0.method)" } ?? "unknown",
            "code": record.code.name,
            "duration_ms": (seconds * 1e6).rounded() / 1e3,
        ]
        if let context = record.context {
            fields["request_id"] = context.requestID
            fields["trace_id"] = context.trace.traceID
            fields["span_id"] = context.trace.spanID
            if let parent = context.trace.parentSpanID { fields["parent_span_id"] = parent }
        }
        logger.log(level, "rpc", fields)
    }

    public func connectionOpened() {
        connections.add(1)
        connectionsTotal.increment()
    }

    public func connectionClosed() { connections.add(-1) }

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
