internal import CLinux
internal import Glibc
internal import RPCCore

/// A host and port, as given in `--listen HOST:PORT` or a client target.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// A host name or IP literal (IPv6 without brackets).
    public var host: String
    /// The TCP port; 0 asks the kernel for a free one.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6]:port`.
    /// - Throws: `TransportError` when the text is not an address.
    public init(parsing text: String) throws {
        var rest = Substring(text)
        if rest.hasPrefix("dns:///") { rest = rest.dropFirst(7) }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw TransportError("'\(text)' is not HOST:PORT (for example 127.0.0.1:50051).")
        }
        var host = rest[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { throw TransportError("'\(text)' has no host.") }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A failure of the transport outside any one call (binding, resolving, connecting).
public struct TransportError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Thin wrappers over the BSD socket calls the transport uses.
enum Socket {
    /// Resolves a host name to socket addresses (numeric hosts need no DNS).
    static func resolve(_ address: HostPort) throws -> [ResolvedAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rv = getaddrinfo(address.host, String(address.port), &hints, &result)
        guard rv == 0, let first = result else {
            throw TransportError("Cannot resolve \(address.host): \(String(cString: gai_strerror(rv))).")
        }
        defer { freeaddrinfo(first) }
        var out: [ResolvedAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sockaddr = info.pointee.ai_addr {
                let bytes = Array(UnsafeRawBufferPointer(start: sockaddr, count: Int(info.pointee.ai_addrlen)))
                let resolved = ResolvedAddress(family: info.pointee.ai_family, storage: bytes)
                if !out.contains(resolved) { out.append(resolved) }
            }
            cursor = info.pointee.ai_next
        }
        return out
    }

    /// Creates a non-blocking listening socket.
    /// - Returns: the fd and the bound address (with the real port when 0 was asked for).
    static func listen(_ address: HostPort, reusePort: Bool, backlog: Int32 = 1024) throws -> (Int32, HostPort) {
        guard let resolved = try resolve(address).first else { throw TransportError("No address for \(address).") }
        let fd = socket(resolved.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TransportError("socket(): \(String(cString: strerror(errno)))") }
        _ = CLinux_set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        if reusePort { _ = CLinux_set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
        let bound = resolved.storage.withUnsafeBytes { raw in
            bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw TransportError("Cannot listen on \(address): \(message).")
        }
        return (fd, HostPort(host: address.host, port: localPort(fd)))
    }

    /// The local port a socket is bound to.
    static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return describe(storage).port
    }

    /// Accepts one connection, non-blocking; `nil` when none is waiting.
    static func accept(_ listenFD: Int32) -> (fd: Int32, peer: String)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                CLinux_accept(listenFD, $0, &length)
            }
        }
        guard fd >= 0 else { return nil }
        setNoDelay(fd)
        return (fd, describe(storage).description)
    }

    /// Starts a non-blocking connect.
    /// - Returns: the fd; completion is signalled by writability.
    static func connect(_ address: ResolvedAddress) throws -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TransportError("socket(): \(String(cString: strerror(errno)))") }
        setNoDelay(fd)
        let rv = address.storage.withUnsafeBytes { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if rv != 0 && errno != EINPROGRESS {
            let message = String(cString: strerror(errno))
            close(fd)
            throw TransportError("Cannot connect to \(address): \(message).")
        }
        return fd
    }

    /// The pending error of a socket (after a non-blocking connect), 0 when none.
    static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(4)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length)
        return value
    }

    static func setNoDelay(_ fd: Int32) {
        _ = CLinux_set_int_option(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    static func describe(_ storage: sockaddr_storage) -> HostPort {
        var storage = storage
        var host = [CChar](repeating: 0, count: 64)
        var port: UInt16 = 0
        let family = storage.ss_family
        withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET) {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var addr = v4.pointee.sin_addr
                    inet_ntop(AF_INET, &addr, &host, 64)
                    port = UInt16(bigEndian: v4.pointee.sin_port)
                }
            } else if family == sa_family_t(AF_INET6) {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    var addr = v6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &addr, &host, 64)
                    port = UInt16(bigEndian: v6.pointee.sin6_port)
                }
            }
        }
        let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return HostPort(host: text, port: Int(port))
    }
}

/// A resolved socket address.
struct ResolvedAddress: Hashable, Sendable, CustomStringConvertible {
    let family: Int32
    let storage: [UInt8]

    var description: String {
        var full = sockaddr_storage()
        withUnsafeMutableBytes(of: &full) { raw in
            raw.copyBytes(from: storage.prefix(raw.count))
        }
        return Socket.describe(full).description
    }
}
