internal import Dispatch
public import RPCCore
internal import Synchronization

/// The event loops that client connections run on (one per process, started on first use).
enum ClientLoops {
    static let group: EventLoopGroup = {
        let group = EventLoopGroup(count: 1, name: "rpc-client")
        for loop in group.loops { loop.start {} }
        return group
    }()
}

/// One server address of a channel and its connection.
final class Subchannel: Sendable {
    enum Phase {
        case idle
        case connecting
        case ready
        case ejected(until: ContinuousClock.Instant)
    }

    private struct State {
        var phase: Phase = .idle
        var connection: ClientConnection?
        var waiters: [CheckedContinuation<ClientConnection, any Error>] = []
        var failures = 0
        var removed = false
    }

    let address: ResolvedAddress
    let authority: String
    let loop: EventLoop
    let configuration: HTTP2ClientConfiguration
    private let state = Mutex(State())
    /// Calls in flight on this address (for least-outstanding balancing).
    let outstanding = Atomic<Int>(0)

    init(address: ResolvedAddress, authority: String, loop: EventLoop, configuration: HTTP2ClientConfiguration) {
        self.address = address
        self.authority = authority
        self.loop = loop
        self.configuration = configuration
    }

    /// Whether calls may be sent here now (ready), or soon (idle or ejection over).
    func eligibility(now: ContinuousClock.Instant) -> (ready: Bool, usable: Bool) {
        state.withLock { state in
            switch state.phase {
            case .ready: (true, true)
            case .idle, .connecting: (false, true)
            case .ejected(let until): (false, until <= now)
            }
        }
    }

    /// Starts connecting in the background if the address is idle or its ejection is over,
    /// so it is ready for later calls.
    func connectInBackground() {
        let start = state.withLock { state -> Bool in
            guard !state.removed else { return false }
            switch state.phase {
            case .idle:
                state.phase = .connecting
                return true
            case .ejected(let until) where until <= .now:
                state.phase = .connecting
                return true
            default:
                return false
            }
        }
        if start { startConnecting() }
    }

    /// A ready connection, connecting first if needed.
    /// - Throws: `RPCError` UNAVAILABLE when the connection cannot be made.
    func connection() async throws -> ClientConnection {
        try await withCheckedThrowingContinuation { continuation in
            enum Action { case resume(ClientConnection), fail(RPCError), connect, wait }
            let action = state.withLock { state -> Action in
                if state.removed { return .fail(RPCError(code: .unavailable, message: "The channel was closed.")) }
                switch state.phase {
                case .ready:
                    return .resume(state.connection!)
                case .connecting:
                    state.waiters.append(continuation)
                    return .wait
                case .idle, .ejected:
                    state.phase = .connecting
                    state.waiters.append(continuation)
                    return .connect
                }
            }
            switch action {
            case .resume(let connection): continuation.resume(returning: connection)
            case .fail(let error): continuation.resume(throwing: error)
            case .wait: break
            case .connect: startConnecting()
            }
        }
    }

    private func startConnecting() {
        loop.execute { [self] in
            let connection = ClientConnection(address: address, authority: authority, loop: loop, configuration: configuration)
            connection.onStateChange = { [weak self] connection, newState, error in
                self?.connectionChanged(connection, newState, error)
            }
            state.withLock { $0.connection = connection }
            connection.connect()
        }
    }

    private func connectionChanged(_ connection: ClientConnection, _ newState: ClientConnection.State, _ error: RPCError?) {
        let (waiters, result) = state.withLock { state -> ([CheckedContinuation<ClientConnection, any Error>], Result<ClientConnection, any Error>?) in
            guard state.connection === connection else { return ([], nil) }
            switch newState {
            case .ready:
                state.phase = .ready
                state.failures = 0
                defer { state.waiters.removeAll() }
                return (state.waiters, .success(connection))
            case .draining, .closed:
                let wasConnecting: Bool
                if case .connecting = state.phase { wasConnecting = true } else { wasConnecting = false }
                state.connection = nil
                if wasConnecting {
                    state.failures += 1
                    let factor = 1 << min(state.failures - 1, 16)
                    let ejection = min(configuration.ejectionBase * factor, configuration.maxEjection)
                    state.phase = .ejected(until: .now + ejection)
                } else {
                    state.phase = .idle
                }
                defer { state.waiters.removeAll() }
                let failure = error ?? RPCError(code: .unavailable, message: "The connection to \(address) closed.")
                return (state.waiters, .failure(failure))
            case .connecting:
                return ([], nil)
            }
        }
        if let result { for waiter in waiters { waiter.resume(with: result) } }
        if newState == .draining {
            // Finish the streams on the old connection; new calls get a new one.
            connection.shutdown()
        }
    }

    /// Closes the connection (when the address disappears or the channel closes).
    func remove() {
        let (connection, waiters) = state.withLock { state in
            state.removed = true
            defer {
                state.connection = nil
                state.waiters.removeAll()
            }
            return (state.connection, state.waiters)
        }
        for waiter in waiters { waiter.resume(throwing: RPCError(code: .unavailable, message: "The channel was closed.")) }
        if let connection { loop.execute { connection.shutdown() } }
    }
}

/// An `RPCChannel` over HTTP/2 to one or more servers.
///
/// The target is `host:port` (every address the name resolves to is used, and the name is
/// resolved again every `resolveInterval`, so a Kubernetes headless Service that scales out
/// is picked up), a comma-separated list of them, or gRPC's `dns://DNS_SERVER:PORT/host:port`
/// (the name asked of that DNS server alone; `dns:///host:port` is the system resolver). Connections are kept open and calls are
/// multiplexed on them, balanced round-robin or least-outstanding. An address that fails to
/// connect is ejected with exponential backoff and tried again after it. UNAVAILABLE is
/// retried with backoff for idempotent methods, and for calls that never reached a server.
///
/// ## Shutdown
/// `close()` ends the connections after their calls finish.
public final class HTTP2Channel: RPCChannel, Sendable {
    private struct State {
        var subchannels: [ResolvedAddress: Subchannel] = [:]
        var order: [ResolvedAddress] = []
        var resolvedAt: ContinuousClock.Instant?
        var resolveError: String?
        var next = 0
        var closed = false
    }

    /// The configured targets.
    public let targets: [HostPort]
    /// The settings.
    public let configuration: HTTP2ClientConfiguration
    private let state = Mutex(State())
    private let retries = Atomic<Int>(0)

    /// Attempts made again after an UNAVAILABLE (a server gone or draining), since start.
    public var retriedCalls: Int { retries.load(ordering: .relaxed) }

    /// The executor of the event loop every channel of the process does its I/O on.
    ///
    /// A caller that makes its calls one after another (a command-line tool, a benchmark) can
    /// run on it: `await withTaskExecutorPreference(HTTP2Channel.loopExecutor) { … }`. Its calls
    /// then start, and resume, on the loop thread, and no other thread is woken for them (on a
    /// small machine, waking one costs tens of microseconds a call). The price: while such a
    /// caller runs its own code, no channel of the process reads or writes, so what it does
    /// between calls must be short and must not block for long.
    public static var loopExecutor: any TaskExecutor { ClientLoops.group.loops[0] }

    /// Creates a channel; nothing connects until the first call.
    /// - Parameters:
    ///   - target: `host:port`, or several separated by commas.
    ///   - configuration: the settings.
    /// - Throws: `TransportError` when the target cannot be parsed.
    public init(target: String, configuration: HTTP2ClientConfiguration = HTTP2ClientConfiguration()) throws {
        var configuration = configuration
        if let dns = try DNSTarget.parse(String(target.drop { $0 == " " })) {
            targets = [dns.target]
            if dns.server != nil { configuration.resolver = { _ in try dns.resolve() } }
        } else {
            targets = try target.split(separator: ",").map { part in
                try HostPort(parsing: String(part.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()))
            }
        }
        guard !targets.isEmpty else { throw TransportError("No target given.") }
        self.configuration = configuration
    }

    /// Closes every connection once its calls have finished.
    public func close() {
        let subchannels = state.withLock { state in
            state.closed = true
            defer { state.subchannels.removeAll() }
            return Array(state.subchannels.values)
        }
        for subchannel in subchannels { subchannel.remove() }
    }

    // MARK: Resolution and picking

    private func refreshIfNeeded(force: Bool = false) async throws {
        let stale = state.withLock { state -> Bool in
            guard let at = state.resolvedAt else { return true }
            return force || ContinuousClock.now - at >= configuration.resolveInterval
        }
        guard stale else { return }
        let targets = self.targets
        let resolver = configuration.resolver
        let resolved: [(ResolvedAddress, String)] = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var out: [(ResolvedAddress, String)] = []
                for target in targets {
                    let hosts = resolver.map { (try? $0(target)) ?? [] } ?? [target]
                    for host in hosts {
                        if let addresses = try? Socket.resolve(host) {
                            out += addresses.map { ($0, target.description) }
                        }
                    }
                }
                continuation.resume(returning: out)
            }
        }
        let removed = state.withLock { state -> [Subchannel] in
            state.resolvedAt = .now
            guard !resolved.isEmpty else {
                state.resolveError = "Cannot resolve \(targets.map(\.description).joined(separator: ","))."
                return []
            }
            state.resolveError = nil
            let loops = ClientLoops.group
            var keep: [ResolvedAddress: Subchannel] = [:]
            var order: [ResolvedAddress] = []
            for (address, authority) in resolved where keep[address] == nil {
                keep[address] = state.subchannels[address]
                    ?? Subchannel(address: address, authority: authority, loop: loops.nextLoop(), configuration: configuration)
                order.append(address)
            }
            let removed = state.subchannels.filter { keep[$0.key] == nil }.map(\.value)
            state.subchannels = keep
            state.order = order
            return removed
        }
        for subchannel in removed { subchannel.remove() }
    }

    private func pick() throws -> Subchannel {
        let (chosen, waking) = try choose()
        for subchannel in waking { subchannel.connectInBackground() }
        return chosen
    }

    /// Chooses a subchannel, and lists the ones not ready that should start connecting.
    private func choose() throws -> (Subchannel, [Subchannel]) {
        try state.withLock { state in
            if state.closed { throw RPCError(code: .unavailable, message: "The channel is closed.") }
            let now = ContinuousClock.now
            let all = state.order.compactMap { state.subchannels[$0] }
            guard !all.isEmpty else {
                throw RPCError(code: .unavailable, message: state.resolveError ?? "No address for \(targets.map(\.description).joined(separator: ",")).")
            }
            let eligibility = all.map { $0.eligibility(now: now) }
            let waking = zip(all, eligibility).filter { !$0.1.ready && $0.1.usable }.map(\.0)
            var candidates = zip(all, eligibility).filter { $0.1.ready }.map(\.0)
            if candidates.isEmpty { candidates = zip(all, eligibility).filter { $0.1.usable }.map(\.0) }
            guard !candidates.isEmpty else {
                throw RPCError(code: .unavailable, message: "Every address of \(targets.map(\.description).joined(separator: ",")) is failing; retrying later.")
            }
            switch configuration.loadBalancing {
            case .roundRobin:
                state.next &+= 1
                return (candidates[state.next % candidates.count], waking)
            case .leastOutstanding:
                state.next &+= 1
                let offset = state.next % candidates.count
                let rotated = Array(candidates[offset...] + candidates[..<offset])
                let least = rotated.min { $0.outstanding.load(ordering: .relaxed) < $1.outstanding.load(ordering: .relaxed) }!
                return (least, waking)
            }
        }
    }

    // MARK: RPCChannel

    public func withStream<Result: Sendable>(
        _ method: MethodDescriptor,
        options: CallOptions,
        _ body: (any RPCClientStream) async throws -> Result
    ) async throws -> Result {
        let current = ServerContext.current
        var deadline = options.timeout.map { ContinuousClock.now + $0 }
        if let inherited = current?.deadline { deadline = min(deadline ?? inherited, inherited) }
        var metadata = options.metadata
        let requestID = metadata[RequestID.header] ?? current?.requestID ?? RequestID.generate()
        metadata.remove(RequestID.header)
        if metadata["traceparent"] == nil, let current { metadata.add("traceparent", current.trace.traceParent) }
        let retryable = options.retryable ?? method.isIdempotent
        var attempt = 0
        var backoff = configuration.initialBackoff
        while true {
            attempt += 1
            do {
                return try await attemptCall(method, options: options, deadline: deadline, requestID: requestID, metadata: metadata, body)
            } catch let failure as AttemptFailure {
                let canRetry = failure.error.code == .unavailable && (retryable || failure.notSent)
                let timeLeft = deadline.map { $0 - .now > backoff } ?? true
                guard canRetry, attempt < configuration.maxAttempts, timeLeft, !Task.isCancelled else { throw failure.error }
                retries.add(1, ordering: .relaxed)
                if failure.notSent { try? await refreshIfNeeded(force: true) }
                let jitter = Double.random(in: 0.8...1.2)
                try await Task.sleep(for: backoff * jitter)
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
        }
    }

    /// An attempt's failure, with whether it may be retried.
    private struct AttemptFailure: Error {
        let error: RPCError
        let notSent: Bool
    }

    private func attemptCall<Result: Sendable>(
        _ method: MethodDescriptor,
        options: CallOptions,
        deadline: ContinuousClock.Instant?,
        requestID: String,
        metadata: Metadata,
        _ body: (any RPCClientStream) async throws -> Result
    ) async throws -> Result {
        if let deadline, deadline <= .now {
            throw RPCError(code: .deadlineExceeded, message: "The deadline expired before the call to \(method) started.")
        }
        let connection: ClientConnection
        let subchannel: Subchannel
        do {
            try await refreshIfNeeded()
            subchannel = try pick()
            connection = try await subchannel.connection()
        } catch {
            throw AttemptFailure(error: RPCError(wrapping: error), notSent: true)
        }
        subchannel.outstanding.add(1, ordering: .relaxed)
        defer { subchannel.outstanding.subtract(1, ordering: .relaxed) }

        let loop = subchannel.loop
        let streamID = StreamIDBox()
        let inbox = StreamInbox(limit: configuration.streamInboxBytes) { credit in
            loop.execute {
                let id = streamID.value
                if id > 0 { connection.credit(streamID: id, count: credit) }
            }
        }
        let outbox = StreamOutbox(limit: configuration.streamOutboxBytes) {
            loop.execute {
                let id = streamID.value
                if id > 0 { connection.kick(streamID: id) }
            }
        }
        let call = ClientCall(
            method: method, inbox: inbox, outbox: outbox,
            maxSendMessageBytes: configuration.maxSendMessageBytes
        )
        var headers: [(String, String)] = [
            (":method", "POST"), (":scheme", "http"), (":path", method.path), (":authority", subchannel.authority),
            ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", configuration.userAgent),
            (RequestID.header, requestID),
        ]
        if let deadline { headers.append(("grpc-timeout", GRPCTimeout.format(deadline - .now))) }
        headers += metadata.wireHeaders.filter { !Metadata.isReserved($0.0) }
        let requestHeaders = headers
        loop.execute {
            connection.startStream(call, headers: requestHeaders, deadline: deadline, streamID: streamID)
        }
        do {
            let result = try await withTaskCancellationHandler {
                try await body(call)
            } onCancel: {
                call.cancel(RPCError(code: .cancelled, message: "The caller cancelled the call."))
            }
            // The body returned: if the call has not ended, it is abandoned; reset it.
            if call.status.peek == nil {
                call.cancel(RPCError(code: .cancelled, message: "The caller stopped before the call ended."))
            } else if case .success(let error?) = call.status.peek {
                // The body may not have read to the end; a failed status still fails the call.
                throw error
            }
            return result
        } catch {
            let rpcError = RPCError(wrapping: error)
            if case .success(let callError?) = call.status.peek, callError == rpcError {
                throw AttemptFailure(error: rpcError, notSent: call.notSent.load(ordering: .relaxed))
            }
            if call.status.peek == nil {
                call.cancel(RPCError(code: .cancelled, message: "The caller failed: \(rpcError.message)"))
            }
            throw error
        }
    }
}

/// The stream id of a client call, known once the loop has opened the stream.
final class StreamIDBox: Sendable {
    private let id = Atomic<Int32>(0)
    var value: Int32 { id.load(ordering: .acquiring) }
    func set(_ value: Int32) { id.store(value, ordering: .releasing) }
}
