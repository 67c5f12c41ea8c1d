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
    private let shutdown: ShutdownSignal?
    private let logger: Logger

    /// Creates a group.
    /// - Parameters:
    ///   - services: started in this order, stopped in reverse.
    ///   - gracefulShutdownSignals: signal numbers that start a graceful shutdown
    ///     (default SIGTERM and SIGINT; ignored when `shutdown` is given).
    ///   - shutdown: a shutdown signal watched already (see `UnixSignals`), so signals that
    ///     arrived before the group started count too.
    ///   - logger: logs the shutdown.
    public init(
        services: [any Service], gracefulShutdownSignals: [Int32]? = nil, shutdown: ShutdownSignal? = nil,
        logger: Logger
    ) {
        self.services = services
        self.signals = gracefulShutdownSignals ?? [SIGTERM, SIGINT]
        self.shutdown = shutdown
        self.logger = logger
    }

    /// Runs every service until shutdown.
    /// - Throws: the first error a service threw.
    public func run() async throws {
        let watcher = self.shutdown == nil ? UnixSignals(signals, logger: logger) : nil
        let shutdown = self.shutdown ?? watcher!.shutdown
        defer { withExtendedLifetime(watcher) {} }

        // Each service runs in a task of its own, not a child task: cancelling the group's
        // task must not cancel every service at once, but stop them one by one, last first.
        let tasks = services.map { service in
            Task {
                defer { shutdown.trigger() }  // a service that ends on its own stops the rest
                try await service.run()
            }
        }
        await withTaskCancellationHandler {
            await shutdown.wait()
        } onCancel: {
            shutdown.trigger()
        }
        var firstError: (any Error)?
        for task in tasks.reversed() {
            task.cancel()
            if case .failure(let error) = await task.result, !(error is CancellationError), firstError == nil {
                firstError = error
            }
        }
        if let firstError {
            logger.error("service failed", ["error": "\(firstError)"])
            throw firstError
        }
    }
}
