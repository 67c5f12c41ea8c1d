internal import Dispatch
internal import Glibc

/// Runs services together until a signal or a failure, then shuts them down in reverse order.
///
/// ## Shutdown
/// On one of `gracefulShutdownSignals` (or when the running task is cancelled), the last
/// service started is cancelled first and awaited, then the one before it, and so on. If a
/// service fails, the others are shut down the same way and the error is rethrown.
public struct ServiceGroup: Sendable {
    private let services: [any Service]
    private let signals: [Int32]
    private let logger: Logger

    /// Creates a group.
    /// - Parameters:
    ///   - services: started in this order, stopped in reverse.
    ///   - gracefulShutdownSignals: signal numbers that start a graceful shutdown
    ///     (default SIGTERM and SIGINT).
    ///   - logger: logs the shutdown.
    public init(services: [any Service], gracefulShutdownSignals: [Int32]? = nil, logger: Logger) {
        self.services = services
        self.signals = gracefulShutdownSignals ?? [SIGTERM, SIGINT]
        self.logger = logger
    }

    /// Runs every service until shutdown.
    /// - Throws: the first error a service threw.
    public func run() async throws {
        let shutdown = ShutdownSignal()
        // A parent process may hand down a signal mask that blocks these (children inherit the
        // spawning thread's mask, and thread pools often block signals): unblock them here.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for number in signals { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let sources = signals.map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [logger] in
                logger.info("signal received, shutting down", ["signal": Int(number)])
                shutdown.trigger()
            }
            source.resume()
            return source
        }
        defer { for source in sources { source.cancel() } }

        let stops = services.map { _ in ShutdownSignal() }
        let ended = services.map { _ in ShutdownSignal() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, service) in services.enumerated() {
                let stop = stops[index]
                let done = ended[index]
                group.addTask {
                    defer { done.trigger() }
                    try await Self.run(service, until: stop)
                    return index
                }
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await shutdown.wait()
                } onCancel: {
                    shutdown.trigger()
                }
                for index in stops.indices.reversed() {
                    stops[index].trigger()
                    await ended[index].wait()
                }
                return -1
            }
            do {
                // A service that ends on its own shuts the others down too.
                while let finished = try await group.next() {
                    if finished >= 0 { shutdown.trigger() }
                }
            } catch {
                logger.error("service failed", ["error": "\(error)"])
                throw error
            }
        }
    }

    /// Runs `service` until it ends, or until `stop` fires, then cancels it (its graceful
    /// shutdown) and waits for it.
    private static func run(_ service: any Service, until stop: ShutdownSignal) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await service.run()
                return true
            }
            group.addTask {
                await withTaskCancellationHandler {
                    await stop.wait()
                } onCancel: {
                    stop.trigger()
                }
                return false
            }
            let serviceEnded = try await group.next() ?? true
            group.cancelAll()
            if !serviceEnded {
                while try await group.next() != nil {}
            }
        }
    }
}
