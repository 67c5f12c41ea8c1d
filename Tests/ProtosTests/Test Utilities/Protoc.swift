import Foundation

/// Runs Debian's `protoc` (the C++ reference implementation) on the repository's contracts,
/// to get reference bytes and to read bytes back as text format.
enum Protoc {
    /// The repository root (this file is Tests/ProtosTests/Test Utilities/Protoc.swift).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `protoc --encode=<message>`: text format in, binary out.
    static func encode(_ textFormat: String, messageName: String, file: String) throws -> [UInt8] {
        try run(["--encode=\(messageName)", "-I", "proto", file], input: Array(textFormat.utf8))
    }

    /// `protoc --decode=<message>`: binary in, text format out.
    static func decode(_ bytes: [UInt8], messageName: String, file: String) throws -> String {
        String(decoding: try run(["--decode=\(messageName)", "-I", "proto", file], input: bytes), as: UTF8.self)
    }

    private static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["protoc"] + arguments
        process.currentDirectoryURL = repositoryRoot
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // protoc reads all of its input before it writes, so this order cannot deadlock.
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = readAll(stdout.fileHandleForReading, until: process)
        let errors = readAll(stderr.fileHandleForReading, until: process)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description:
                    "protoc \(arguments.joined(separator: " ")) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return output
    }

    /// What `handle` delivers until `process` has exited and the pipe is empty. Not until the
    /// end of file: a process that another test starts at the same moment (a PostgreSQL
    /// server) can inherit the pipe's write end and hold it open long after protoc has exited,
    /// which once hung the whole test run.
    private static func readAll(_ handle: FileHandle, until process: Process) -> [UInt8] {
        let descriptor = handle.fileDescriptor
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var exited = false
        while true {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            // Once protoc has exited, only what is already in the pipe is left: do not wait.
            if poll(&request, 1, exited ? 0 : 50) > 0 {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    output.append(contentsOf: buffer[0..<count])
                    continue
                }
                if count == 0 { return output }  // the end of file
            }
            if exited { return output }
            exited = !process.isRunning
        }
    }
}
