/// Something long-lived that runs until it is shut down: a server, a pool, a loop.
public protocol Service: Sendable {
    /// Runs the service. Returns when it has shut down; cancelling the task asks it to
    /// shut down gracefully.
    func run() async throws
}
