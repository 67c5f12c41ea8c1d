import Embeddings
import TestSupport
import Testing

/// Batches pack several texts into one pass without padding; each result must equal the
/// text's own encode, whatever its neighbours and however the batch is split.
@Suite struct BatchTests {
    static let texts: [String] = ReferenceFixture.shared.cases.map(\.text) + [
        "red summer dress", "x", "", "usb charging cable with a very long description " + String(repeating: "and more ", count: 30),
    ]

    @Test(arguments: [(1, 512), (2, 512), (1, 64), (3, 1), (2, 100_000)])
    func batchEqualsSingle(threads: Int, tokensPerPack: Int) async throws {
        let (batch, singles) = try await TestModel.offPool { encoder in
            (encoder.encode(batch: Self.texts, threads: threads, tokensPerPack: tokensPerPack), Self.texts.map { encoder.encode($0) })
        }
        #expect(batch.count == Self.texts.count)
        for (index, (text, vector)) in zip(Self.texts, batch).enumerated() {
            let single = singles[index]
            let similarity = dot(single, vector)
            let largest = zip(single, vector).map { abs($0 - $1) }.max() ?? 0
            #expect(similarity > 0.99999 && largest < 1e-4, "\(String(reflecting: text.prefix(30))): cosine \(similarity), max |diff| \(largest)")
        }
    }

    @Test func emptyBatch() throws {
        #expect(try TestModel.encoder().encode(batch: []).isEmpty)
    }

    /// A short text packed after a 256-token one gives the same vector as alone: no state
    /// (padding, attention, pooling) leaks between the texts of a pack.
    @Test func neighboursDoNotLeak() async throws {
        let long = String(repeating: "headphones ", count: 300)
        let cases = [[long], ["x"], [long, long], ["", "   "]]
        let (alone, packed) = try await TestModel.offPool { encoder in
            (
                encoder.encode("red summer dress"),
                cases.map { neighbours in
                    encoder.encode(batch: neighbours + ["red summer dress"] + neighbours, tokensPerPack: 100_000)[neighbours.count]
                }
            )
        }
        for vector in packed { #expect(dot(vector, alone) > 0.99999) }
    }

    /// Many threads encoding at once get exactly what one thread gets.
    @Test func concurrentEncodesAreIdentical() async throws {
        let encoder = try TestModel.encoder()
        let texts = Array(Self.texts.prefix(24))
        let expected = try await TestModel.offPool { encoder in texts.map { encoder.encode($0) } }
        let results = try await withThrowingTaskGroup(of: [[Float]].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    try await TestSupport.onOwnThread {
                        // Each worker walks the texts from a different start, so different texts overlap.
                        (0..<texts.count).map { encoder.encode(texts[($0 + worker * 3) % texts.count]) }
                    }
                }
                group.addTask {
                    try await TestSupport.onOwnThread { encoder.encode(batch: texts, threads: 2) }
                }
            }
            var all: [[[Float]]] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 16)
        for result in results {
            // Either a rotated single-encode result or a batch result: compare as a set of vectors.
            for vector in result {
                let best = expected.map { dot($0, vector) }.max() ?? 0
                #expect(best > 0.99999)
            }
        }
        // The single-encode workers must be bit-for-bit equal to the sequential run.
        let singles = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await TestSupport.onOwnThread { texts.map { encoder.encode($0) } == expected }
                }
            }
            var all: [Bool] = []
            for try await same in group { all.append(same) }
            return all
        }
        #expect(singles.allSatisfy { $0 })
    }
}
