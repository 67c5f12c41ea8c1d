internal import Dispatch
internal import Glibc

/// Turns Unix signals into a `ShutdownSignal`. While it exists, the watched signals no longer
/// kill the process; they trigger `shutdown` instead.
///
/// Create it first thing in `main`, so a SIGTERM that arrives during start-up (loading models,
/// connecting to a database) still leads to a clean exit.
public final class UnixSignals {
    /// Fired by the first watched signal.
    public let shutdown: ShutdownSignal
    private let sources: [any DispatchSourceSignal]

    /// Starts watching.
    /// - Parameters:
    ///   - signals: signal numbers (SIGTERM and SIGINT when nil).
    ///   - shutdown: the signal to trigger (a new one when nil).
    ///   - logger: logs which signal arrived.
    public init(_ signals: [Int32]? = nil, shutdown: ShutdownSignal = ShutdownSignal(), logger: Logger) {
        let numbers = signals ?? [SIGTERM, SIGINT]
        self.shutdown = shutdown
        // A parent process may hand down a signal mask that blocks these (children inherit the
        // spawning thread's mask, and thread pools often block signals): unblock them here.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for number in numbers { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        sources = numbers.map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                logger.info("signal received, shutting down", ["signal": Int(number)])
                shutdown.trigger()
            }
            source.resume()
            return source
        }
    }

    deinit { for source in sources { source.cancel() } }
}
