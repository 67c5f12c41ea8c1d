@testable import RPCHTTP2Transport
import Testing

/// gRPC's `dns:` target syntax. Resolution against a real DNS server (dnsmasq) is exercised by
/// tests/gateway/test_scaling.py; here the parsing, and a server that is not there.
@Suite struct DNSTargetTests {
    @Test func parsesTheAuthorityAndTheName() throws {
        let withServer = try #require(try DNSTarget.parse("dns://10.0.0.10:5353/rec-svc.shop.svc:50063"))
        #expect(withServer.server == HostPort(host: "10.0.0.10", port: 5353))
        #expect(withServer.target == HostPort(host: "rec-svc.shop.svc", port: 50063))
        let defaultPort = try #require(try DNSTarget.parse("dns://10.0.0.10/rec-svc:50063"))
        #expect(defaultPort.server == HostPort(host: "10.0.0.10", port: 53))
        let system = try #require(try DNSTarget.parse("dns:///rec-svc:50063"))
        #expect(system.server == nil && system.target == HostPort(host: "rec-svc", port: 50063))
        #expect(try system.resolve() == [HostPort(host: "rec-svc", port: 50063)])
        #expect(try DNSTarget.parse("rec-svc:50063") == nil)
        let channel = try HTTP2Channel(target: "dns:///127.0.0.1:7000")
        #expect(channel.targets == [HostPort(host: "127.0.0.1", port: 7000)])
    }

    @Test(arguments: ["dns://10.0.0.10:53", "dns://dns.example:53/rec:1", "dns://10.0.0.10:53/rec", "dns:///"])
    func malformedTargetsAreRefused(target: String) {
        #expect(throws: TransportError.self) { _ = try HTTP2Channel(target: target) }
    }

    @Test func aDNSServerThatDoesNotAnswerIsAClearError() throws {
        // Nothing listens on UDP port 9 of 127.0.0.1 (discard): the query times out or is refused.
        let target = try #require(try DNSTarget.parse("dns://127.0.0.1:9/rec.voiceshop.test:1"))
        let error = #expect(throws: TransportError.self) { _ = try target.resolve() }
        #expect(error?.message.contains("could not resolve rec.voiceshop.test") == true)
    }
}
