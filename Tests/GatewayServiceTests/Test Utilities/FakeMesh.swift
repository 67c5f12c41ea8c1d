import GatewayService
import JSON
import Protos
import RPCCore
import RPCHTTP2Transport
import ServiceRuntime
import Synchronization

/// Stand-ins for asr-svc, nlu-svc and rec-svc on one real HTTP/2 server on 127.0.0.1:0:
/// each method is a closure the test sets; methods left unset answer UNIMPLEMENTED. Every
/// call's context (deadline, x-request-id, traceparent) is recorded.
final class FakeMesh: RegistrableRPCService, Sendable {
    struct Call: Sendable {
        let method: String
        let requestID: String
        let traceParent: String?
        let timeout: Duration?
    }

    let recognize = Mutex<(@Sendable (ASRV1.RecognizeRequest) throws -> ASRV1.RecognizeResponse)?>(nil)
    let parse = Mutex<(@Sendable (NLUV1.ParseRequest) throws -> NLUV1.ParseResponse)?>(nil)
    let search = Mutex<(@Sendable (RecV1.SearchRequest) async throws -> RecV1.SearchResponse)?>(nil)
    let getProduct = Mutex<(@Sendable (RecV1.GetProductRequest) throws -> RecV1.Product)?>(nil)
    let addToCart = Mutex<(@Sendable (RecV1.AddToCartRequest) throws -> RecV1.Cart)?>(nil)
    let getOrder = Mutex<(@Sendable (RecV1.GetOrderRequest) throws -> RecV1.Order)?>(nil)
    let listReviews = Mutex<(@Sendable (RecV1.ListReviewsRequest) throws -> RecV1.ListReviewsResponse)?>(nil)
    let recommend = Mutex<(@Sendable (RecV1.RecommendRequest) throws -> RecV1.RecommendResponse)?>(nil)
    let calls = Mutex<[Call]>([])

    func registerMethods(with router: inout RPCRouter) {
        func unary<I: RPCMessage, O: RPCMessage>(
            _ descriptor: MethodDescriptor, _ handler: @escaping @Sendable (I) async throws -> O
        ) {
            router.registerUnary(descriptor) { (request: I, context: ServerContext) -> O in
                self.calls.withLock {
                    $0.append(
                        Call(
                            method: descriptor.method, requestID: context.requestID, traceParent: context.traceParent,
                            timeout: context.remainingTime))
                }
                return try await handler(request)
            }
        }
        unary(ASRV1.ASR.Method.Recognize.descriptor) { (request: ASRV1.RecognizeRequest) in
            guard let body = self.recognize.withLock({ $0 }) else { throw RPCError(code: .unimplemented, message: "fake") }
            return try body(request)
        }
        unary(NLUV1.NLU.Method.Parse.descriptor) { (request: NLUV1.ParseRequest) in
            guard let body = self.parse.withLock({ $0 }) else { throw RPCError(code: .unimplemented, message: "fake") }
            return try body(request)
        }
        unary(RecV1.Rec.Method.Search.descriptor) { (request: RecV1.SearchRequest) in
            guard let body = self.search.withLock({ $0 }) else { throw RPCError(code: .unimplemented, message: "fake") }
            return try await body(request)
        }
        unary(RecV1.Rec.Method.GetProduct.descriptor) { (request: RecV1.GetProductRequest) in
            guard let body = self.getProduct.withLock({ $0 }) else { throw RPCError(code: .unimplemented, message: "fake") }
            return try body(request)
        }
        unary(RecV1.Rec.Method.AddToCart.descriptor) { (request: RecV1.AddToCartRequest) in
            guard let body = self.addToCart.withLock({ $0 }) else { throw RPCError(code: .unimplemented, message: "fake") }
            return try body(request)
        }
        unary(RecV1.Rec.Method.GetOrder.descriptor) { (request: RecV1.GetOrderRequest) in
            guard let body = self.getOrder.withLock({ $0 }) else { throw RPCError(code: .unimplemented, message: "fake") }
            return try body(request)
        }
        unary(RecV1.Rec.Method.ListReviews.descriptor) { (request: RecV1.ListReviewsRequest) in
            guard let body = self.listReviews.withLock({ $0 }) else { throw RPCError(code: .unimplemented, message: "fake") }
            return try body(request)
        }
        unary(RecV1.Rec.Method.Recommend.descriptor) { (request: RecV1.RecommendRequest) in
            guard let body = self.recommend.withLock({ $0 }) else { throw RPCError(code: .unimplemented, message: "fake") }
            return try body(request)
        }
    }

    static let logger = Logger(service: "gateway-test", minimumLevel: .error)

    /// Runs `body` with a gateway whose three downstreams are this mesh.
    static func with<Result: Sendable>(
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @Sendable (FakeMesh, Gateway) async throws -> Result
    ) async throws -> Result {
        let mesh = FakeMesh()
        var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
        configuration.shutdownGracePeriod = .seconds(2)
        let server = try HTTP2Server(configuration: configuration, services: [mesh], logger: logger)
        let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)")
        var gatewayConfiguration = GatewayConfiguration()
        gatewayConfiguration.apiKeys = [APIKey(key: "test-key-1234", name: "test", rate: 1000, burst: 1000)]
        gatewayConfiguration.adminToken = "admin-token-1234"
        // Generous deadlines: a test process that stalls (other suites loading models on the
        // same two cores) must not turn into 504s; the deadline test sets its own.
        gatewayConfiguration.requestDeadline = .seconds(30)
        gatewayConfiguration.voiceDeadline = .seconds(30)
        configure(&gatewayConfiguration)
        let gateway = Gateway(
            configuration: gatewayConfiguration, downstreams: Downstreams(asr: channel, nlu: channel, rec: channel),
            assets: StaticAssets(index: Array("<html>".utf8), openAPI: Array("{}".utf8)), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer {
                channel.close()
                server.beginGracefulShutdown()
            }
            return try await body(mesh, gateway)
        }
    }
}

extension Gateway {
    /// A request through the gateway in process, with the test API key unless told otherwise.
    func send(
        _ method: HTTPMethod, _ path: String, json: String? = nil, body: [UInt8]? = nil, headers: [String: String] = [:],
        key: String? = "test-key-1234"
    ) async -> (status: Int, json: JSONValue, response: HTTPResponse) {
        var all = headers
        if let key { all["x-api-key"] = key }
        if json != nil && all["content-type"] == nil { all["content-type"] = "application/json" }
        let request = HTTPRequest(head: HTTPRequestHead(method: method, path: path, headers: all), body: body ?? Array((json ?? "").utf8))
        let response = await serve(request)
        let value = (try? JSONValue(parsing: response.body)) ?? .null
        return (response.status, value, response)
    }
}

/// A product for the fakes.
func fakeProduct(_ id: String, title: String, price: Double, brand: String = "Zara") -> RecV1.Product {
    var product = RecV1.Product()
    product.id = id
    product.sku = "SKU-" + id
    product.title = title
    product.price = price
    product.brand = brand
    product.currency = "USD"
    product.category = "Women/Dresses"
    product.rating = 4.5
    product.reviewCount = 12
    return product
}

/// A mono 16 kHz WAV of `seconds` of silence.
func silentWAV(seconds: Double, rate: Int = 16000) -> [UInt8] {
    let samples = Int(Double(rate) * seconds)
    func le32(_ v: Int) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8 & 255), UInt8(v >> 16 & 255), UInt8(v >> 24 & 255)] }
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8 & 255)] }
    var bytes = Array("RIFF".utf8) + le32(36 + samples * 2) + Array("WAVE".utf8)
    bytes += Array("fmt ".utf8) + le32(16) + le16(1) + le16(1) + le32(rate) + le32(rate * 2) + le16(2) + le16(16)
    bytes += Array("data".utf8) + le32(samples * 2) + [UInt8](repeating: 0, count: samples * 2)
    return bytes
}
