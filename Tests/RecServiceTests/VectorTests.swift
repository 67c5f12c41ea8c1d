@testable import RecService
import TestSupport
import Testing

/// The vector index (exact and HNSW), the online gradient step and the ALS trainer.
@Suite struct VectorTests {
    /// Reproducible pseudo-random floats.
    struct Random {
        var state: UInt64
        mutating func next() -> Float {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Float(state % 1_000_000) / 1_000_000
        }
        mutating func gaussian() -> Float {
            let u = max(next(), 1e-6), v = next()
            return (-2 * logf(u)).squareRoot() * cosf(2 * .pi * v)
        }
    }

    /// `count` unit vectors around `clusters` centres, as text embeddings are.
    static func clustered(count: Int, dimensions: Int, clusters: Int, seed: UInt64) -> [[Float]] {
        var random = Random(state: seed)
        let centres = (0..<clusters).map { _ in (0..<dimensions).map { _ in random.gaussian() } }
        return (0..<count).map { index in
            VectorMath.normalized(centres[index % clusters].map { $0 + 0.6 * random.gaussian() })
        }
    }

    @Test func hnswRecallAt10IsAtLeast95PercentOfExact() async throws {
        // CPU-heavy in a debug build: built off the cooperative pool, which timing tests need.
        let (recall, counts) = try await TestSupport.onOwnThread { () -> (Double, [Int]) in
            let dimensions = 48
            let vectors = Self.clustered(count: 3_000, dimensions: dimensions, clusters: 30, seed: 7)
            let index = VectorIndex(dimensions: dimensions)
            index.add(vectors.enumerated().map { (Int64($0.offset), $0.element) })
            let queries = Self.clustered(count: 200, dimensions: dimensions, clusters: 30, seed: 99)
            var hits = 0
            var counts: [Int] = []
            for query in queries {
                let exact = Set(index.exactSearch(query, k: 10).map(\.id))
                let approximate = index.search(query, k: 10)
                counts.append(approximate.count)
                hits += approximate.filter { exact.contains($0.id) }.count
            }
            return (Double(hits) / Double(queries.count * 10), counts)
        }
        #expect(counts.allSatisfy { $0 == 10 })
        #expect(recall >= 0.95, "recall@10 = \(recall)")
    }

    @Test func quantizedHNSWRecallAt10IsAtLeast95PercentOfExactWithExactScores() async throws {
        let (recall, exactScores) = try await TestSupport.onOwnThread { () -> (Double, Bool) in
            let dimensions = 48
            let vectors = Self.clustered(count: 3_000, dimensions: dimensions, clusters: 30, seed: 7).map(VectorMath.normalized)
            let index = VectorIndex(dimensions: dimensions)
            index.add(vectors.enumerated().map { (Int64($0.offset), $0.element) })
            var hits = 0
            var exactScores = true
            let queries = Self.clustered(count: 200, dimensions: dimensions, clusters: 30, seed: 99).map(VectorMath.normalized)
            for query in queries {
                let exact = Set(index.exactSearch(query, k: 10).map(\.id))
                let found = index.search(query, k: 10, quantized: true)
                hits += found.filter { exact.contains($0.id) }.count
                // The walk ran on the codes; the scores returned are the floats', best first.
                exactScores = exactScores && found.allSatisfy { $0.score == VectorMath.dot(query, vectors[Int($0.id)]) }
                exactScores = exactScores && zip(found, found.dropFirst()).allSatisfy { $0.score >= $1.score }
            }
            return (Double(hits) / Double(queries.count * 10), exactScores)
        }
        #expect(recall >= 0.95, "recall@10 = \(recall)")
        #expect(exactScores)
    }

    @Test func theInt8CodesEstimateTheInnerProductClosely() async throws {
        // Few vectors, so the graph that `add` builds stays cheap in a debug build (a few
        // hundred 384-dimension inserts took seconds of CPU and starved other suites' calls).
        let (estimates, errors, batched) = try await TestSupport.onOwnThread { () -> ([Float?], [Float], [Float?]) in
            let vectors = Self.clustered(count: 64, dimensions: 384, clusters: 8, seed: 5).map(VectorMath.normalized)
            let index = VectorIndex(dimensions: 384)
            index.add(vectors.enumerated().map { (Int64($0.offset), $0.element) })
            let query = VectorMath.normalized(Self.clustered(count: 1, dimensions: 384, clusters: 8, seed: 6)[0])
            // Unknown ids come back nil, in place.
            let estimates = index.approximateScores(query, ids: Array(Int64(0)..<64) + [9_999])
            let errors = (0..<64).map { abs((estimates[$0] ?? .infinity) - VectorMath.dot(query, vectors[$0])) }
            // Ids short of a batch of four are scored alone.
            return (estimates, errors, index.approximateScores(query, ids: [9_999, 2, 3]))
        }
        #expect(estimates.count == 65 && estimates[64] == nil)
        #expect(errors.max()! < 0.01, "largest error \(errors.max()!)")
        #expect(batched == [nil, estimates[2], estimates[3]])
    }

    @Test func nearestAmongIdsIsTheExactTopK() async throws {
        let results = try await TestSupport.onOwnThread { () -> [([VectorIndex.Neighbor], [VectorIndex.Neighbor])] in
            let vectors = Self.clustered(count: 800, dimensions: 32, clusters: 10, seed: 13).map(VectorMath.normalized)
            let index = VectorIndex(dimensions: 32)
            index.add(vectors.enumerated().map { (Int64($0.offset), $0.element) })
            let among = (0..<800).filter { $0 % 3 != 0 }.map(Int64.init) + [50_000]
            let allowed = Set(among)
            return [4, 77, 734].map { probe in
                (index.nearest(vectors[probe], among: among, k: 25), index.exactSearch(vectors[probe], k: 25) { allowed.contains($0) })
            }
        }
        for (found, expected) in results {
            #expect(found.count == 25)
            #expect(found.map(\.id) == expected.map(\.id))
            #expect(found.map(\.score) == expected.map(\.score))
        }
    }

    @Test func exactSearchIsBruteForce() {
        let vectors = Self.clustered(count: 500, dimensions: 16, clusters: 5, seed: 3)
        let index = VectorIndex(dimensions: 16)
        index.add(vectors.enumerated().map { (Int64($0.offset), $0.element) })
        let query = vectors[17]
        let expected = vectors.indices.sorted { VectorMath.dot(query, vectors[$0]) > VectorMath.dot(query, vectors[$1]) }.prefix(5)
        #expect(index.exactSearch(query, k: 5).map(\.id) == expected.map(Int64.init))
        #expect(index.exactSearch(query, k: 5).first?.id == 17)
    }

    @Test func aSelectiveFilterStillReturnsKResults() async throws {
        let allowed: @Sendable (Int64) -> Bool = { $0 % 97 == 0 }  // 31 of 3,000
        let (found, exact) = try await TestSupport.onOwnThread { () -> ([Int64], [Int64]) in
            let vectors = Self.clustered(count: 3_000, dimensions: 32, clusters: 10, seed: 11)
            let index = VectorIndex(dimensions: 32)
            index.add(vectors.enumerated().map { (Int64($0.offset), $0.element) })
            return (
                index.search(vectors[5], k: 10, allowed: allowed).map(\.id),
                index.exactSearch(vectors[5], k: 10, allowed: allowed).map(\.id)
            )
        }
        #expect(found.count == 10)
        #expect(found.allSatisfy(allowed))
        #expect(found == exact)
    }

    /// A filter that passes one vector in four: the walk keeps only passing nodes in its
    /// results and answers itself (its scores are the codes' estimates, which the exact
    /// fallback's would not be), with recall@10 of the filtered exact search at least 0.95.
    @Test func aBroadFilterIsAnsweredByTheWalkWithRecallAt10AtLeast95Percent() async throws {
        let allowed: @Sendable (Int64) -> Bool = { $0 % 4 == 1 }
        let (recall, onlyAllowed, walked) = try await TestSupport.onOwnThread { () -> (Double, Bool, Bool) in
            let dimensions = 48
            let vectors = Self.clustered(count: 3_000, dimensions: dimensions, clusters: 30, seed: 7).map(VectorMath.normalized)
            let index = VectorIndex(dimensions: dimensions)
            index.add(vectors.enumerated().map { (Int64($0.offset), $0.element) })
            var hits = 0
            var onlyAllowed = true, walked = true
            for query in Self.clustered(count: 200, dimensions: dimensions, clusters: 30, seed: 99).map(VectorMath.normalized) {
                let exact = Set(index.exactSearch(query, k: 10, allowed: allowed).map(\.id))
                let found = index.search(query, k: 10, quantized: true, estimates: true, allowed: allowed)
                hits += found.filter { exact.contains($0.id) }.count
                onlyAllowed = onlyAllowed && found.count == 10 && found.allSatisfy { allowed($0.id) }
                walked = walked && found.map(\.score) == index.approximateScores(query, ids: found.map(\.id)).map { $0! }
            }
            return (Double(hits) / 2_000, onlyAllowed, walked)
        }
        #expect(onlyAllowed)
        #expect(walked)
        #expect(recall >= 0.95, "recall@10 = \(recall)")
    }

    /// With `estimates`, the walk and the scan among ids return the codes' scores (what
    /// `approximateScores` gives), best first, without rescoring on the floats; the scan's are
    /// the top k of those exactly.
    @Test func estimatesAreTheCodesScoresBestFirst() async throws {
        struct Found: Sendable {
            var walk: [VectorIndex.Neighbor]
            var walkEstimates: [Float?]
            var largestError: Float
            var scan: [VectorIndex.Neighbor]
            var expectedScan: [VectorIndex.Neighbor]
        }
        let found = try await TestSupport.onOwnThread { () -> Found in
            let vectors = Self.clustered(count: 800, dimensions: 32, clusters: 10, seed: 13).map(VectorMath.normalized)
            let index = VectorIndex(dimensions: 32)
            index.add(vectors.enumerated().map { (Int64($0.offset), $0.element) })
            let query = vectors[77]
            let walk = index.search(query, k: 20, quantized: true, estimates: true)
            let among = (0..<800).filter { $0 % 3 != 0 }.map(Int64.init)
            let expected = zip(among, index.approximateScores(query, ids: among)).map { VectorIndex.Neighbor(id: $0, score: $1!) }
                .sorted { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
            return Found(
                walk: walk, walkEstimates: index.approximateScores(query, ids: walk.map(\.id)),
                largestError: walk.map { abs($0.score - VectorMath.dot(query, vectors[Int($0.id)])) }.max() ?? .infinity,
                scan: index.nearest(query, among: among, k: 20, estimates: true), expectedScan: Array(expected.prefix(20)))
        }
        #expect(found.walk.count == 20 && found.walk.first?.id == 77)
        #expect(found.walk.map(\.score) == found.walkEstimates.map { $0! })
        #expect(zip(found.walk, found.walk.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(found.largestError < 0.01, "largest error \(found.largestError)")
        #expect(found.scan == found.expectedScan)
    }

    @Test func vectorsRoundTripThroughTheByteaEncoding() {
        let vector: [Float] = [0, 1, -2.5, .pi, 1e-30]
        let hex = "\\x" + VectorMath.bytes(vector).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        #expect(VectorMath.floats(byteaHex: hex) == vector)
        #expect(VectorMath.floats(byteaHex: "\\x123") == nil)
    }

    @Test(arguments: [Float(1), 0])
    func theGradientMatchesFiniteDifferences(label: Float) {
        var random = Random(state: 5)
        let h = (0..<24).map { _ in random.gaussian() * 0.3 }
        let v = (0..<24).map { _ in random.gaussian() * 0.3 }
        let λ: Float = 0.05
        let analytic = OnlineUpdate.gradient(user: h, item: v, label: label, regularization: λ)
        let epsilon: Float = 1e-2
        for k in h.indices {
            var plus = h, minus = h
            plus[k] += epsilon
            minus[k] -= epsilon
            let numeric = (OnlineUpdate.loss(user: plus, item: v, label: label, regularization: λ)
                - OnlineUpdate.loss(user: minus, item: v, label: label, regularization: λ)) / (2 * epsilon)
            #expect(abs(numeric - analytic[k]) < 2e-3, "component \(k): numeric \(numeric), analytic \(analytic[k])")
        }
        // A step against the gradient lowers the loss.
        let stepped = OnlineUpdate.step(user: h, observations: [(v, label, 1)], settings: OnlineUpdate.Settings())
        #expect(OnlineUpdate.loss(user: stepped, item: v, label: label, regularization: λ)
            < OnlineUpdate.loss(user: h, item: v, label: label, regularization: λ))
    }

    @Test func clicksOnOneKindRaiseItsScoreOnly() {
        let vectors = Self.clustered(count: 40, dimensions: 16, clusters: 2, seed: 21)  // even: kind A, odd: kind B
        var h = [Float](repeating: 0, count: 16)
        for index in stride(from: 0, to: 20, by: 2) {
            h = OnlineUpdate.step(user: h, observations: [(vectors[index], 1, 1)], settings: OnlineUpdate.Settings())
        }
        let kindA = stride(from: 20, to: 40, by: 2).map { VectorMath.sigmoid(VectorMath.dot(h, vectors[$0])) }
        let kindB = stride(from: 21, to: 40, by: 2).map { VectorMath.sigmoid(VectorMath.dot(h, vectors[$0])) }
        #expect(kindA.min()! > 0.5)
        #expect(kindA.min()! > kindB.max()!)
    }

    @Test func alsRecoversBlockPreferences() async throws {
        let (recall, deterministic, agreement) = try await TestSupport.onOwnThread { () -> (Double, Bool, Int) in
            // 60 users, 90 items, three tastes; each user saw about two thirds of their block.
            var entries: [(user: Int, item: Int, value: Float)] = []
            var held: [(Int, Int)] = []
            for user in 0..<60 {
                let block = user % 3
                for item in stride(from: block, to: 90, by: 3) {
                    if (user &* 7_919 + item &* 104_729) % 13 < 4 { held.append((user, item)) } else { entries.append((user, item, 1)) }
                }
            }
            let data = ALSTrainer.Interactions(userCount: 60, itemCount: 90, entries: entries)
            var settings = ALSTrainer.Settings()
            settings.factors = 8
            settings.iterations = 10
            let model = ALSTrainer(settings: settings).train(data)
            var hits = 0
            for (user, item) in held {
                let seen = Set(data.items(of: user).map(Int.init))
                let ranked = model.scores(user: user).enumerated().filter { !seen.contains($0.offset) }.sorted { $0.element > $1.element }
                if ranked.prefix(10).contains(where: { $0.offset == item }) { hits += 1 }
            }
            // Deterministic under the seed, and the exact solver agrees with conjugate gradients.
            let again = ALSTrainer(settings: settings).train(data).items == model.items
            settings.cgSteps = 0
            let exact = ALSTrainer(settings: settings).train(data)
            let top = { (scores: [Float]) in Set(scores.indices.sorted { scores[$0] > scores[$1] }.prefix(10)) }
            return (Double(hits) / Double(held.count), again, top(model.scores(user: 0)).intersection(top(exact.scores(user: 0))).count)
        }
        #expect(recall > 0.9)
        #expect(deterministic)
        #expect(agreement >= 8)
    }
}

import Glibc
