import Foundation
import Glibc
import TestSupport
import Testing

/// The stock grpcio server (tests/interop/py_server.py) run as a child process.
final class PythonServerProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is set once in init and only read afterwards.
    let process: Process
    let address: String

    static let repositoryRoot = TestSupport.repositoryRoot

    /// Starts the server and waits for its `{"listening": ...}` line, on a thread of its own:
    /// blocking reads must not hold one of the few threads of Swift's cooperative pool.
    static func start() async throws -> PythonServerProcess {
        try await TestSupport.onOwnThread { try PythonServerProcess() }
    }

    private init() throws {
        let python = Self.repositoryRoot.appendingPathComponent(".voiceshop/venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw InteropSetupError("No \(python.path): run `make setup` (scripts/setup) to create the venv with grpcio.")
        }
        process = Process()
        process.executableURL = python
        process.arguments = [Self.repositoryRoot.appendingPathComponent("tests/interop/py_server.py").path, "--port", "0"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        let handle = stdout.fileHandleForReading
        while !buffer.contains(0x0A) {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw InteropSetupError("py_server.py exited before listening.") }
            buffer += chunk
        }
        let line = buffer.prefix { $0 != 0x0A }
        guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any],
            let address = object["listening"] as? String
        else { throw InteropSetupError("Unexpected first line from py_server.py: \(String(decoding: line, as: UTF8.self))") }
        self.address = address
    }

    /// Sends SIGTERM and waits up to 15 s for the exit (then SIGKILL).
    /// - Returns: the exit status, or nil if it had to be killed.
    func stop() async -> Int32? {
        process.terminate()
        // Polling: Process.waitUntilExit spins a run loop at full CPU off the main thread.
        for _ in 0..<750 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }
}

struct InteropSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
