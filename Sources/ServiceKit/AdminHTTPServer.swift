internal import Glibc
public import ServiceRuntime
internal import Synchronization

/// The small HTTP/1.1 admin port of a gRPC service: `GET /metrics` (Prometheus text format)
/// and `GET /healthz` (200 while health is SERVING, 503 otherwise).
///
/// It serves one connection at a time on a thread of its own, answers with
/// `Connection: close`, and gives a client 2 s to send its request head (at most 8 KiB), so a
/// slow client can delay a scrape by at most that. It is meant for Prometheus and probes on
/// a cluster network, not for the internet.
public final class AdminHTTPServer: Service, Sendable {
    /// The address it listens on (the real port when 0 was asked for).
    public let listeningAddress: String
    private let fd: Int32
    private let routes: @Sendable (String) -> (status: Int, contentType: String, body: String)
    private let stopping = Atomic<Bool>(false)
    private let logger: Logger

    /// Binds `host:port` (port 0 picks a free one).
    /// - Parameter routes: the response for a GET path.
    /// - Throws: `ServiceOptions.ConfigurationError` when the address cannot be bound.
    public init(host: String, port: Int, logger: Logger, routes: @escaping @Sendable (String) -> (status: Int, contentType: String, body: String)) throws {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw ServiceOptions.ConfigurationError("--metrics-listen: cannot resolve '\(host)'.")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServiceOptions.ConfigurationError("--metrics-listen: socket() failed (errno \(errno)).") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw ServiceOptions.ConfigurationError("--metrics-listen: cannot listen on \(host):\(port): \(String(cString: strerror(code))).")
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let family = storage.ss_family
        let boundPort = withUnsafePointer(to: &storage) { pointer -> Int in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        self.fd = fd
        self.routes = routes
        self.logger = logger
        listeningAddress = host.contains(":") ? "[\(host)]:\(boundPort)" : "\(host):\(boundPort)"
    }

    /// Serves until cancelled.
    public func run() async throws {
        logger.info("metrics listening", ["metrics_listening": listeningAddress])
        let finished = ShutdownSignal()
        OSThread.detach(name: "admin-http") { [self] in
            serveLoop()
            finished.trigger()
        }
        await withTaskCancellationHandler {
            await finished.wait()
        } onCancel: {
            stopping.store(true, ordering: .releasing)
        }
        close(fd)
    }

    private func serveLoop() {
        while !stopping.load(ordering: .acquiring) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            serve(client)
            close(client)
        }
    }

    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while head.count < 8192 {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            head += buffer[0..<n]
            if head.count >= 4, head.suffix(from: max(0, head.count - n - 3)).firstRange(of: [13, 10, 13, 10]) != nil { break }
        }
        let line = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        let response: (status: Int, contentType: String, body: String)
        if line.count != 3 || !line[2].hasPrefix("HTTP/1.") {
            response = (400, "text/plain", "bad request\n")
        } else if line[0] != "GET" && line[0] != "HEAD" {
            response = (405, "text/plain", "only GET is served here\n")
        } else {
            let path = line[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
            response = routes(path)
        }
        let reason = [200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"][response.status] ?? "Status"
        let body = Array(response.body.utf8)
        var bytes = Array(
            "HTTP/1.1 \(response.status) \(reason)\r\nContent-Type: \(response.contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
        if line.first != "HEAD" { bytes += body }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(client, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            offset += n
        }
    }
}
