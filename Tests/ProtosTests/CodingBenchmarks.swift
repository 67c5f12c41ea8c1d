import Foundation
import Protos
import RPCCore
import Testing

/// Pack+unpack timings. Not part of the normal test run: enable with PROTOS_BENCH=1 and
/// build in release mode for meaningful numbers:
///
///     PROTOS_BENCH=1 swift test -c release --filter CodingBenchmarks
@Suite("Coding benchmarks", .enabled(if: ProcessInfo.processInfo.environment["PROTOS_BENCH"] != nil))
struct CodingBenchmarks {
    private func measure(_ name: String, iterations: Int, _ body: () throws -> Void) rethrows {
        for _ in 0..<iterations / 10 { try body() }  // warm up
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<iterations { try body() }
        }
        let nanoseconds = Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9
        print("\(name): \(String(format: "%.0f", nanoseconds / Double(iterations))) ns per iteration")
    }

    @Test("100-byte Echo: serialize + decode")
    func echo() throws {
        let request = TestingV1.EchoRequest(payload: [UInt8](repeating: 0x61, count: 100))
        var sink = 0
        try measure("EchoRequest 100 B pack+unpack", iterations: 1_000_000) {
            let decoded = try TestingV1.EchoRequest(serializedBytes: request.serializedBytes())
            sink &+= decoded.payload.count
        }
        #expect(sink > 0)
    }

    @Test("A search response with 10 products: serialize + decode")
    func searchResponse() throws {
        let product = RecV1.Product(
            id: "p-123", sku: "SKU-123", title: "Red summer maxi dress",
            description: "Light cotton dress for summer days",
            brand: "Acme", category: "Women/Dresses/Maxi", attributes: [.init(name: "color", value: "red")],
            price: 49.99,
            currency: "USD", stock: 12, rating: 4.5, reviewCount: 87, imageURL: "https://example.com/p-123.jpg"
        )
        let response = RecV1.SearchResponse(
            results: (0..<10).map { .init(product: product, score: Double($0), why: "matches 'red dress'") },
            totalMatches: 40,
            facets: .init(brands: [.init(value: "Acme", count: 40)])
        )
        var sink = 0
        try measure("SearchResponse (10 products) pack+unpack", iterations: 100_000) {
            sink &+= try RecV1.SearchResponse(serializedBytes: response.serializedBytes()).results.count
        }
        #expect(sink > 0)
    }

    @Test("JSON encode + decode of a ParseRequest")
    func json() throws {
        let text =
            #"{"text": "show me red dresses under fifty dollars", "locale": "en-US", "context": {"sessionId": "s"}}"#
        try measure("ParseRequest JSON -> bytes -> JSON", iterations: 20_000) {
            let bytes = try ProtoJSON.encode(json: text, messageName: "voiceshop.nlu.v1.ParseRequest")
            _ = try ProtoJSON.decode(bytes, messageName: "voiceshop.nlu.v1.ParseRequest")
        }
    }
}
