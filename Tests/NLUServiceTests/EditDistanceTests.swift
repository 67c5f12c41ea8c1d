@testable import NLUService
import Testing

/// The early-stopping edit distance the gazetteer uses agrees with the full one.
@Suite struct EditDistanceTests {
    /// The textbook distance (with adjacent transpositions), the reference.
    static func fullEditDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1) }
            }
        }
        return table[a.count][b.count]
    }

    static func fullSimilarity(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let longest = max(a.count, b.count)
        return longest == 0 ? 1 : 1 - Double(fullEditDistance(a, b)) / Double(longest)
    }

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
            let full = Self.fullEditDistance(a, b)
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
                let exact = Self.fullSimilarity(a, b)
                let bounded = similarity(a, b, atLeast: minimum)
                if exact >= minimum { #expect(bounded == exact, "\(x) \(y) \(minimum)") } else { #expect(bounded < minimum, "\(x) \(y) \(minimum)") }
            }
        }
    }
}
