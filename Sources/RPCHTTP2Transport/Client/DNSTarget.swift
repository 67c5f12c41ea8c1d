internal import CResolv

/// gRPC's `dns` name syntax: `dns:[//DNS_SERVER[:PORT]/]HOST[:PORT]`.
///
/// Without an authority (`dns:///rec-svc:50063`) the system resolver is used, as for a plain
/// `host:port`. With one (`dns://10.0.0.10:53/rec-svc.shop.svc:50063`) the A records are asked
/// of that DNS server alone, through glibc's stub resolver (libresolv), and every address is a
/// backend: a Kubernetes headless Service, or a test's own DNS server.
struct DNSTarget: Sendable {
    /// The name and port to resolve.
    let target: HostPort
    /// The DNS server to ask (an IPv4 literal and port); `nil` for the system resolver.
    let server: HostPort?

    /// Parses a `dns:` target; `nil` when the text does not start with `dns:`.
    /// - Throws: `TransportError` for a malformed one.
    static func parse(_ text: String) throws -> DNSTarget? {
        guard text.hasPrefix("dns:") else { return nil }
        var rest = Substring(text.dropFirst(4))
        var server: HostPort?
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            guard let slash = rest.firstIndex(of: "/") else {
                throw TransportError("A dns: target with a DNS server is dns://SERVER:PORT/HOST:PORT, not '\(text)'.")
            }
            let authority = rest[..<slash]
            rest = rest[rest.index(after: slash)...]
            if !authority.isEmpty {
                let parsed = authority.contains(":") ? try HostPort(parsing: String(authority)) : HostPort(host: String(authority), port: 53)
                guard parsed.host.split(separator: ".").count == 4, parsed.host.allSatisfy({ $0.isNumber || $0 == "." }) else {
                    throw TransportError("The DNS server of '\(text)' must be an IPv4 address.")
                }
                server = parsed
            }
        }
        return DNSTarget(target: try HostPort(parsing: String(rest)), server: server)
    }

    /// The addresses the name has now, each with the target's port.
    /// - Throws: `TransportError` when the server does not answer or the name does not exist.
    func resolve() throws -> [HostPort] {
        guard let server else { return [target] }
        var buffer = [(CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar)](
            repeating: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), count: 64)
        var hostError: Int32 = 0
        let count = buffer.withUnsafeMutableBufferPointer { out in
            CResolv_queryA(server.host, Int32(server.port), target.host, out.baseAddress, Int32(out.count), &hostError)
        }
        guard count >= 0 else {
            // h_errno 1 is HOST_NOT_FOUND (NXDOMAIN).
            let reason = count == -3 ? (hostError == 1 ? "no such name" : "no answer (h_errno \(hostError))") : "resolver error \(count)"
            throw TransportError("DNS server \(server) could not resolve \(target.host): \(reason).")
        }
        return (0..<Int(count)).map { index in
            let host = withUnsafeBytes(of: buffer[index]) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            return HostPort(host: host, port: target.port)
        }
    }
}
