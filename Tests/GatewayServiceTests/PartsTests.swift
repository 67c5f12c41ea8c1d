@testable import GatewayService
import JSON
import RPCCore
import Testing

@Suite("Gateway parts without I/O")
struct PartsTests {
    @Test("routes match paths and methods", arguments: [
        (HTTPMethod.post, "/v1/search", "/v1/search"), (.get, "/v1/products/42/reviews", "/v1/products/{id}/reviews"),
        (.delete, "/v1/users/u1", "/v1/users/{id}"), (.post, "/v1/admin/products:import", "/v1/admin/products:import"),
        (.patch, "/v1/admin/products/7", "/v1/admin/products/{id}"), (.delete, "/v1/users/u1/cart/items/p1", "/v1/users/{id}/cart/items/{product_id}"),
        (.post, "/v1/users/u1/orders/1042/returns", "/v1/users/{id}/orders/{order_id}/returns"), (.get, "/", "/"),
    ])
    func routes(method: HTTPMethod, path: String, label: String) {
        guard case .route(_, let matched) = Route.match(method, path) else {
            Issue.record("\(method) \(path) did not match")
            return
        }
        #expect(matched == label)
    }

    @Test("spoken counts agree in number")
    func itemCounts() {
        #expect(IntentActions.items(1) == "1 item")
        #expect(IntentActions.items(0) == "0 items" && IntentActions.items(3) == "3 items")
    }

    @Test("gRPC statuses map to HTTP statuses the standard way")
    func statusMapping() {
        let cases: [(StatusCode, Int)] = [
            (.invalidArgument, 400), (.notFound, 404), (.permissionDenied, 403), (.unauthenticated, 401), (.resourceExhausted, 429),
            (.deadlineExceeded, 504), (.unavailable, 503), (.internal, 502),
        ]
        for (code, status) in cases {
            #expect(GatewayError.downstream(RPCError(code: code, message: "m"), service: "rec-svc").status == status)
        }
    }

    @Test("WAV headers: rate, channels, duration; refusals say why")
    func wav() throws {
        let info = try AudioInput.wav(silentWAV(seconds: 1.5, rate: 8000))
        #expect(info.sampleRate == 8000 && info.channels == 1)
        #expect(abs(info.seconds - 1.5) < 0.001)
        #expect(throws: GatewayError.self) { try AudioInput.wav(Array("RIFF....WAVE".utf8)) }
        var eightBit = silentWAV(seconds: 0.1)
        eightBit[34] = 8
        do {
            _ = try AudioInput.wav(eightBit)
            Issue.record("8-bit audio was accepted")
        } catch {
            #expect(error.message.contains("16-bit"))
        }
    }

    @Test("the token bucket refills at its rate")
    func bucket() {
        let key = APIKey(key: "k-12345678", name: "k", rate: 2, burst: 2)
        let store = APIKeyStore(keys: [key])
        let now = ContinuousClock.now
        #expect(store.take(key, now: now) == nil)
        #expect(store.take(key, now: now) == nil)
        let wait = store.take(key, now: now)
        #expect(wait.map { abs($0 - 0.5) < 0.01 } == true)
        #expect(store.take(key, now: now + .milliseconds(600)) == nil)
    }

    @Test("sessions expire after their TTL and are bounded")
    func sessions() {
        let store = SessionStore(ttl: .seconds(10), capacity: 100)
        let start = ContinuousClock.now
        store.update("a", now: start) { $0.productIDs = ["p1"] }
        #expect(store.state("a", now: start + .seconds(5)).productIDs == ["p1"])
        #expect(store.state("a", now: start + .seconds(11)).productIDs.isEmpty)
        for index in 0..<250 { store.update("s\(index)", now: start + .milliseconds(index)) { $0.orderID = "\(index)" } }
        #expect(store.count <= 100)
        #expect(store.state("s249", now: start + .seconds(1)).orderID == "249")
    }

    @Test("import bodies split into records with line numbers; CSV quotes may span lines")
    func splitter() {
        var csv = RecordSplitter(csv: true)
        var records = csv.feed(Array("sku,title\n1,\"two\nlines\"\n".utf8))
        records += csv.feed(Array("\n3,three".utf8))
        records += csv.finish()
        #expect(records.map(\.line) == [1, 2, 5])
        #expect(records[1].text == "1,\"two\nlines\"")
        var jsonl = RecordSplitter(csv: false)
        let lines = jsonl.feed(Array("{\"a\":1}\r\n{\"b\":\"x\"".utf8)) + jsonl.finish()
        #expect(lines.map(\.text) == ["{\"a\":1}", "{\"b\":\"x\""])
    }

    @Test("configuration: keys with rates, admin token, limits; bad values are refused")
    func configuration() throws {
        let flags = [
            "api-keys": "web=abcdefgh12:5:10,plainkey-123", "admin-token": "0123456789", "max-audio-seconds": "12",
            "shutdown-grace-seconds": "40",
        ]
        let configuration = try GatewayConfiguration(value: { flags[$0] }, environment: ["VOICESHOP_HTTP_PORT": "9090"]) { _ in "" }
        #expect(configuration.apiKeys.map(\.name) == ["web", "key-plai"])
        #expect(configuration.apiKeys[0].rate == 5 && configuration.apiKeys[0].burst == 10)
        #expect(configuration.http.port == 9090)
        #expect(configuration.maxAudioSeconds == 12)
        #expect(configuration.http.shutdownGracePeriod == .seconds(40))
        #expect(configuration.logHashKey == nil)
        let keyed = try GatewayConfiguration(value: { _ in nil }, environment: ["VOICESHOP_LOG_HASH_KEY": "sixteen-chars-or-more"]) { _ in "" }
        #expect(keyed.logHashKey == "sixteen-chars-or-more")
        #expect(throws: GatewayConfiguration.ConfigurationError.self) {
            try GatewayConfiguration(value: { _ in nil }, environment: ["VOICESHOP_LOG_HASH_KEY": "short"]) { _ in "" }
        }
        #expect(throws: GatewayConfiguration.ConfigurationError.self) {
            try GatewayConfiguration(value: { $0 == "admin-token" ? "short" : nil }, environment: [:]) { _ in "" }
        }
        #expect(throws: GatewayConfiguration.ConfigurationError.self) {
            try GatewayConfiguration(value: { $0 == "http-listen" ? "nowhere" : nil }, environment: [:]) { _ in "" }
        }
    }
}
