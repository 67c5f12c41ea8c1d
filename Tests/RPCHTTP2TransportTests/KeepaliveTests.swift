import Foundation
import Glibc
import RPCCore
import ServiceRuntime
import TestSupport
import Testing

@testable import RPCHTTP2Transport

@Suite struct KeepaliveTests {
    private func server(interval: Duration, timeout: Duration) throws -> HTTP2Server {
        var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
        configuration.keepaliveInterval = interval
        configuration.keepaliveTimeout = timeout
        return try HTTP2Server(configuration: configuration, services: [RawEchoService()], logger: Logger(service: "test", minimumLevel: .error))
    }

    @Test func peerThatNeverAnswersPingIsDisconnected() async throws {
        let server = try server(interval: .milliseconds(100), timeout: .milliseconds(100))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { server.beginGracefulShutdown() }
            let port = server.listeningAddress.port
            // A raw client: the HTTP/2 preface and an empty SETTINGS frame, then silence.
            let frames = try await TestSupport.onOwnThread { () -> [UInt8] in
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = UInt16(port).bigEndian
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard connected == 0 else { return [] }
                var timeout = timeval(tv_sec: 5, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let hello = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
                _ = hello.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n <= 0 { break }
                    received += buffer[0..<n]
                }
                return received
            }
            // The server sent a PING (frame type 6) and then closed the connection (recv
            // returned 0 before the 5 s receive timeout).
            var offset = 0
            var types: [UInt8] = []
            while offset + 9 <= frames.count {
                let length = Int(frames[offset]) << 16 | Int(frames[offset + 1]) << 8 | Int(frames[offset + 2])
                types.append(frames[offset + 3])
                offset += 9 + length
            }
            #expect(types.contains(6), "frames: \(types)")
            #expect(types.last == 7, "ends with GOAWAY: \(types)")
        }
    }

    @Test func answeringPeerStaysConnected() async throws {
        let server = try server(interval: .milliseconds(50), timeout: .milliseconds(200))
        var client = HTTP2ClientConfiguration()
        client.keepaliveInterval = .milliseconds(50)
        client.keepaliveTimeout = .milliseconds(200)
        let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)", configuration: client)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let first: RawMessage = try await channel.unary(RawEchoService.inline, request: RawMessage([1]))
            try await Task.sleep(for: .milliseconds(600))  // several PING rounds both ways
            let second: RawMessage = try await channel.unary(RawEchoService.inline, request: RawMessage([2]))
            #expect(first.bytes == [1] && second.bytes == [2])
            #expect(server.statistics.cancelledCalls == 0)
            channel.close()
            server.beginGracefulShutdown()
        }
    }
}
