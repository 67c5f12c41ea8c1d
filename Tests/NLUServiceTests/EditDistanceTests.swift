@testable import NLUService
import Testing

/// The early-stopping edit distance the gazetteer uses agrees with the full one.
@Suite struct EditDistanceTests {
    @Test func boundedDistanceIsExactUpToItsLimit() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        // Short words over a small alphabet, so near misses, repeats and transpositions are common.
        for _ in 0..<3_000 {
            let a = (0..<next(12)).map { _ in UInt8(ascii: "a") + UInt8(next(4)) }
            let b = (0..<next(12)).map { _ in UInt8(ascii: "a") + UInt8(next(4)) }
            let full = editDistance(a, b)
            for limit in 0...12 {
                #expect(editDistance(a, b, limit: limit) == min(full, limit + 1), "\(a) \(b) limit \(limit)")
            }
        }
    }

    @Test func boundedSimilarityIsExactFromItsMinimum() {
        let pairs = [("adidas", "adentist"), ("nike", "mike"), ("levis", "leaveice"), ("lululemon", "lulu"), ("patagonia", "zzzzzzzz")]
        for (x, y) in pairs {
            let a = Array(x.utf8), b = Array(y.utf8)
            for minimum in [0.3, 0.5, 0.75] {
                let exact = similarity(a, b)
                let bounded = similarity(a, b, atLeast: minimum)
                if exact >= minimum { #expect(bounded == exact, "\(x) \(y) \(minimum)") } else { #expect(bounded < minimum, "\(x) \(y) \(minimum)") }
            }
        }
    }
}
