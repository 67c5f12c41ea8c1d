public import Protos
public import RPCCore
internal import Synchronization

/// `grpc.health.v1.Health`: `Check` (answered on the event loop) and `Watch`.
///
/// The empty service name stands for the whole server. Services not registered answer
/// NOT_FOUND on `Check` and SERVICE_UNKNOWN on `Watch`, as the health protocol specifies.
public final class HealthService: RegistrableRPCService, Sendable {
    /// A serving status.
    public typealias Status = HealthV1.HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status] = [:]
        var watchers: [UInt64: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
        var nextWatcher: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The service name that answers whether the process is alive rather than ready: it
    /// stays SERVING while the process serves health at all, whatever the others say, so a
    /// Kubernetes liveness probe (`grpc: {service: liveness}`) does not restart a pod that is
    /// only waiting for its database or its models (its readiness probe takes it out of
    /// rotation instead).
    public static let liveness = "liveness"

    /// Creates the service with the server (`""`), `liveness` and `services` marked SERVING.
    public init(serving services: [String] = []) {
        state.withLock { state in
            state.statuses[""] = .serving
            state.statuses[Self.liveness] = .serving
            for service in services { state.statuses[service] = .serving }
        }
    }

    /// Sets the status of `service` (`""` for the whole server) and tells its watchers.
    public func setStatus(_ status: Status, for service: String = "") {
        let continuations = state.withLock { state -> [AsyncStream<Status>.Continuation] in
            guard state.statuses[service] != status else { return [] }
            state.statuses[service] = status
            return state.watchers.values.filter { $0.service == service }.map(\.continuation)
        }
        for continuation in continuations { continuation.yield(status) }
    }

    /// Sets every known service (and the server) to `status`; `liveness` keeps its own.
    public func setAll(_ status: Status) {
        let services = state.withLock { Array($0.statuses.keys) }.filter { $0 != Self.liveness }
        for service in services { setStatus(status, for: service) }
    }

    /// Marks every service but `liveness` NOT_SERVING (at the start of a graceful shutdown:
    /// the process is still alive while it drains).
    public func markAllNotServing() {
        let services = state.withLock { Array($0.statuses.keys) }.filter { $0 != Self.liveness }
        for service in services { setStatus(.notServing, for: service) }
    }

    /// The current status; `nil` for an unknown service.
    public func status(of service: String) -> Status? { state.withLock { $0.statuses[service] } }

    public func registerMethods(with router: inout RPCRouter) {
        router.registerInline(HealthV1.Health.Method.Check.descriptor) {
            (request: HealthV1.HealthCheckRequest, _) -> HealthV1.HealthCheckResponse in
            guard let status = self.status(of: request.service) else {
                throw RPCError(code: .notFound, message: "Unknown service '\(request.service)'.")
            }
            return HealthV1.HealthCheckResponse(status: status)
        }
        router.registerServerStreaming(HealthV1.Health.Method.Watch.descriptor) {
            (request: HealthV1.HealthCheckRequest, writer: RPCWriter<HealthV1.HealthCheckResponse>, _) in
            let (updates, continuation) = AsyncStream.makeStream(of: Status.self, bufferingPolicy: .bufferingNewest(8))
            let id = self.state.withLock { state -> UInt64 in
                state.nextWatcher += 1
                state.watchers[state.nextWatcher] = (request.service, continuation)
                continuation.yield(state.statuses[request.service] ?? .serviceUnknown)
                return state.nextWatcher
            }
            defer { _ = self.state.withLock { $0.watchers.removeValue(forKey: id) } }
            var last: Status?
            for await status in updates where status != last {
                last = status
                try await writer.write(HealthV1.HealthCheckResponse(status: status))
            }
        }
    }
}
