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
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description:
                    "protoc \(arguments.joined(separator: " ")) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return Array(output)
    }
}
