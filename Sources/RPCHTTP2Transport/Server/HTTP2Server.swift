internal import Glibc
public import RPCCore
public import ServiceRuntime
internal import Synchronization

/// Counters of a server's calls, for metrics and tests.
public final class ServerStatistics: Sendable {
    private let completedCount = Atomic<Int>(0)
    private let cancelledCount = Atomic<Int>(0)
    private let rejectedCount = Atomic<Int>(0)

    func completed() { completedCount.add(1, ordering: .relaxed) }
    func cancelled() { cancelledCount.add(1, ordering: .relaxed) }
    func rejected() { rejectedCount.add(1, ordering: .relaxed) }

    /// Calls that ended with a status sent to the client.
    public var completedCalls: Int { completedCount.load(ordering: .relaxed) }
    /// Calls ended by the client (RST_STREAM), a deadline, or a lost connection.
    public var cancelledCalls: Int { cancelledCount.load(ordering: .relaxed) }
    /// Calls refused with RESOURCE_EXHAUSTED because the handler pool was full.
    public var rejectedCalls: Int { rejectedCount.load(ordering: .relaxed) }
}

/// What the connections of a server share.
final class HTTP2ServerCore: Sendable {
    let configuration: HTTP2ServerConfiguration
    let router: RPCRouter
    let dispatcher: CallDispatcher
    let statistics = ServerStatistics()
    let logger: Logger
    let observer: (any ServerCallObserver)?

    init(configuration: HTTP2ServerConfiguration, router: RPCRouter, logger: Logger, observer: (any ServerCallObserver)?) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.observer = observer
        dispatcher = CallDispatcher(limit: configuration.maxConcurrentHandlers)
    }

    func log(_ message: String, _ fields: [String: String]) { logger.warning(message, fields) }

    /// The trailers of a call that ended OK with no trailing metadata.
    static let okTrailers = [("grpc-status", "0")]

    /// The trailers that end a call: `grpc-status`, `grpc-message` (percent-encoded) and the
    /// handler's trailing metadata.
    func trailers(for error: RPCError?, metadata: Metadata) -> [(String, String)] {
        var trailers: [(String, String)]
        if let error {
            trailers = [("grpc-status", String(error.code.rawValue)), ("grpc-message", PercentEncoding.encode(error.message))]
            trailers += error.metadata.wireHeaders.filter { !Metadata.isReserved($0.0) }
        } else {
            if metadata.isEmpty { return Self.okTrailers }
            trailers = Self.okTrailers
        }
        if !metadata.isEmpty { trailers += metadata.wireHeaders.filter { !Metadata.isReserved($0.0) } }
        return trailers
    }
}

/// The connections one event loop owns, and its listener (loop thread only).
final class ServerLoopState: EventLoopHandler, @unchecked Sendable {
    // @unchecked Sendable: touched only on `loop`'s thread.
    let loop: EventLoop
    let core: HTTP2ServerCore
    var listenFD: Int32
    var connections: [ObjectIdentifier: ServerConnection] = [:]
    var draining = false
    let onIdle: @Sendable () -> Void

    init(loop: EventLoop, core: HTTP2ServerCore, listenFD: Int32, onIdle: @escaping @Sendable () -> Void) {
        self.loop = loop
        self.core = core
        self.listenFD = listenFD
        self.onIdle = onIdle
    }

    func handleReadable() {
        while !draining, let (fd, peer) = Socket.accept(listenFD) {
            do {
                let connection = try ServerConnection(fd: fd, peer: peer, loop: loop, core: core)
                connection.onClose = { [weak self] closed in self?.connectionClosed(closed) }
                connections[ObjectIdentifier(connection)] = connection
                core.observer?.connectionOpened()
                connection.start()
            } catch {
                Glibc.close(fd)
            }
        }
    }

    func handleWritable() {}
    func flush() {}

    func connectionClosed(_ connection: ServerConnection) {
        if connections.removeValue(forKey: ObjectIdentifier(connection)) != nil { core.observer?.connectionClosed() }
        if draining && connections.isEmpty { onIdle() }
    }

    func beginShutdown() {
        guard !draining else { return }
        draining = true
        loop.deregister(fd: listenFD)
        Glibc.close(listenFD)
        if connections.isEmpty {
            onIdle()
            return
        }
        for connection in connections.values { connection.beginShutdown() }
    }

    func forceClose() {
        for connection in Array(connections.values) { connection.forceClose() }
    }
}

/// A gRPC server over HTTP/2 cleartext (h2c with prior knowledge) on libnghttp2.
///
/// Event loops (one per core by default) own the sockets and nghttp2 sessions. Inline
/// handlers run on the loops; all others run as tasks, at most `maxConcurrentHandlers` at a
/// time. Those that start on the loop (`RPCHandler.startsOnLoop`) run on the loop thread until
/// they first suspend.
///
/// ## Shutdown
/// `beginGracefulShutdown()` (or cancelling the task running `run()`) stops accepting
/// connections, sends GOAWAY, lets the calls in flight finish for up to
/// `shutdownGracePeriod`, then cancels what remains; `run()` returns once every loop and
/// handler has ended.
public final class HTTP2Server: Service, Sendable {
    private let core: HTTP2ServerCore
    private let loops: EventLoopGroup
    private let states: [ServerLoopState]
    private let lifecycle = Mutex<(started: Bool, shuttingDown: Bool)>((false, false))
    private let allIdle = ShutdownSignal()
    /// The address the server listens on, with the real port when 0 was configured.
    public let listeningAddress: HostPort

    /// Binds the listening sockets. Call `run()` to serve.
    /// - Parameter observer: sees every call and connection (metrics, the per-call log).
    /// - Throws: `TransportError` when the address cannot be bound.
    public init(
        configuration: HTTP2ServerConfiguration, services: [any RegistrableRPCService], logger: Logger,
        observer: (any ServerCallObserver)? = nil
    ) throws {
        var router = RPCRouter()
        for service in services { router.register(service) }
        core = HTTP2ServerCore(configuration: configuration, router: router, logger: logger, observer: observer)
        loops = EventLoopGroup(count: configuration.eventLoops, name: "rpc-server")
        var address = configuration.address
        var fds: [Int32] = []
        do {
            for _ in loops.loops {
                let (fd, bound) = try Socket.listen(address, reusePort: true)
                fds.append(fd)
                address = bound
            }
        } catch {
            for fd in fds { Glibc.close(fd) }
            throw error
        }
        listeningAddress = address
        var states: [ServerLoopState] = []
        let signal = allIdle
        let idleLoops = IdleCounter()
        let loopCount = loops.loops.count
        for (loop, fd) in zip(loops.loops, fds) {
            states.append(
                ServerLoopState(loop: loop, core: core, listenFD: fd) {
                    if idleLoops.increment() == loopCount { signal.trigger() }
                }
            )
        }
        self.states = states
    }

    /// Call counters.
    public var statistics: ServerStatistics { core.statistics }

    /// Pooled handlers running now, and the most that may run at once.
    public var handlerPool: (running: Int, limit: Int) { (core.dispatcher.runningCount, core.dispatcher.limit) }

    /// The registered methods.
    public var methods: [MethodDescriptor] { core.router.methods }

    /// Serves until a graceful shutdown completes. Cancelling the calling task starts one.
    public func run() async throws {
        let alreadyStarted = lifecycle.withLock { state -> Bool in
            defer { state.started = true }
            return state.started
        }
        precondition(!alreadyStarted, "HTTP2Server.run() called twice")
        let exits = (0..<states.count).map { _ in ShutdownSignal() }
        for (state, exit) in zip(states, exits) {
            state.loop.start { exit.trigger() }
            state.loop.execute { state.loop.register(fd: state.listenFD, handler: state) }
        }
        core.logger.info("listening", ["listening": listeningAddress.description, "loops": states.count])
        // Handlers run in tasks of their own, not children of this one: cancelling `run()`
        // means "shut down gracefully", and the calls in flight must still finish then.
        // The grace period bounds how long they may take.
        await withTaskCancellationHandler {
            await allIdle.wait()
        } onCancel: {
            self.beginGracefulShutdown()
        }
        await core.dispatcher.drained()
        for state in states { state.loop.stop() }
        for exit in exits { await exit.wait() }
    }

    /// Starts a graceful shutdown (see the type's documentation). Safe to call more than once.
    public func beginGracefulShutdown() {
        let first = lifecycle.withLock { state -> Bool in
            defer { state.shuttingDown = true }
            return !state.shuttingDown
        }
        guard first else { return }
        core.logger.info("shutting down", ["grace_ms": Int(core.configuration.shutdownGracePeriod.components.seconds * 1000)])
        let grace = core.configuration.shutdownGracePeriod
        for state in states {
            state.loop.execute {
                state.beginShutdown()
                state.loop.schedule(at: .now + grace) { state.forceClose() }
            }
        }
    }
}

/// Counts loops that have drained.
private final class IdleCounter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() -> Int { count.add(1, ordering: .acquiringAndReleasing).newValue }
}
