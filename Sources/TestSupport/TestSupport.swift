public import Foundation

/// Helpers shared by the test targets (linked by tests only).
public enum TestSupport {
    /// The repository root.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs blocking work (a child process, initdb, a blocking read) on a thread of its own,
    /// never on one of the few threads of Swift's cooperative pool, which other tests need.
    public static func onOwnThread<Result: Sendable>(
        _ body: @escaping @Sendable () throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Swift.Result { try body() }) }
        }
    }

    /// Runs a command to its end with posix_spawn and waitpid (Foundation's `Process` does not
    /// reliably reap children inside the test runner). Output goes to a file, not a pipe: a
    /// daemon the command starts (pg_ctl's server) would inherit a pipe and hold it open.
    /// - Returns: the exit status (-1 when killed by a signal) and stdout+stderr.
    /// - Throws: when the command cannot be started.
    public static func runCommand(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = "/tmp/voiceshop-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let rv = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rv == 0 else { throw CommandError(description: "\(path): posix_spawn failed (\(rv))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (status & 0x7f == 0 ? (status >> 8) & 0xff : -1, output)
    }

    /// A command that could not be started.
    public struct CommandError: Error, CustomStringConvertible {
        public let description: String
    }
}
