import Foundation
@testable import NLUService
import Testing

/// The slot tagger's confidences are forward-backward marginals; here they are checked against
/// the same marginals summed over every allowed tag sequence of a small tagger.
@Suite struct SlotTaggerTests {
    @Test func confidencesAreTheMarginalsOverEveryTagSequence() {
        let tags = ["O", "B-brand", "I-brand", "B-color"]
        let count = tags.count
        var state: UInt64 = 42
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int((state >> 33) % 2_001) - 1_000) / 250  // -4 ... 4
        }
        let rows: [UInt64: Int32] = [11: 0, 22: 1, 33: 2]
        let weights = (0..<(rows.count * count)).map { _ in next() }
        // Large transition weights too: the scaled computation must not overflow.
        let transitions = (0..<((count + 1) * count)).map { _ in next() * 20 }
        let tagger = SlotTagger(tags: tags, rows: rows, weights: weights, transitions: transitions)
        let features: [[UInt64]] = [[11], [22, 33], [33], [11, 22]]
        let (best, confidence) = tagger.tag(features)
        let scores = tagger.emissions(features)
        let length = features.count

        // Brute force over all count^length sequences, keeping the allowed ones.
        var mass = [Double](repeating: 0, count: length * count)
        var total = 0.0
        var all: [[Int]] = [[]]
        for _ in 0..<length { all = all.flatMap { prefix in (0..<count).map { prefix + [$0] } } }
        let logScores: [Double] = all.map { sequence in
            var previous = count  // the start
            var score = 0.0
            for (position, tag) in sequence.enumerated() {
                guard tagger.allowedMatrix[previous * (count + 1) + tag] else { return -.infinity }
                score += Double(transitions[previous * count + tag] + scores[position * count + tag])
                previous = tag
            }
            return score
        }
        let top = logScores.max()!
        for (sequence, score) in zip(all, logScores) where score.isFinite {
            let weight = Foundation.exp(score - top)
            total += weight
            for (position, tag) in sequence.enumerated() { mass[position * count + tag] += weight }
        }
        #expect(best.count == length)
        for (position, name) in best.enumerated() {
            let tag = tags.firstIndex(of: name)!
            let expected = mass[position * count + tag] / total
            #expect(abs(Double(confidence[position]) - expected) < 1e-4, "position \(position): \(confidence[position]) vs \(expected)")
        }
        // The best sequence is the highest-scoring allowed one.
        let bestIndex = logScores.indices.max { logScores[$0] < logScores[$1] }!
        #expect(best == all[bestIndex].map { tags[$0] })
    }
}
