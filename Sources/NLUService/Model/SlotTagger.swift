internal import Glibc

/// A first-order linear-chain tagger over BIO tags, trained as an averaged structured
/// perceptron and decoded with Viterbi.
///
/// Scores are emission weights (feature × tag) plus transition weights (previous tag × tag).
/// Decoding never produces an `I-x` that does not follow `B-x` or `I-x`.
public struct SlotTagger: Sendable {
    /// The tag names; index 0 is "O".
    public let tags: [String]
    /// Row of each known feature hash.
    let rows: [UInt64: Int32]
    /// Emission weights, `rows.count × tags.count`.
    let weights: [Float]
    /// Transition weights, `(tags.count + 1) × tags.count`; the last row is the start.
    let transitions: [Float]
    /// For each tag, the tags allowed before it (the start is `tags.count`).
    let allowedPrevious: [[Int]]
    /// `allowedMatrix[previous * (tags.count + 1) + tag]`: whether `tag` may follow `previous`.
    let allowedMatrix: [Bool]
    /// exp(transition) where the transition is allowed, else 0; `(tags.count + 1) × tags.count`.
    let transitionWeights: [Float]

    init(tags: [String], rows: [UInt64: Int32], weights: [Float], transitions: [Float]) {
        self.tags = tags
        self.rows = rows
        self.weights = weights
        self.transitions = transitions
        allowedPrevious = Self.allowed(tags)
        var matrix = [Bool](repeating: false, count: (tags.count + 1) * (tags.count + 1))
        for (tag, previous) in allowedPrevious.enumerated() {
            for before in previous { matrix[before * (tags.count + 1) + tag] = true }
        }
        allowedMatrix = matrix
        // Relative to the largest, so no weight overflows; a constant factor per position
        // cancels in the forward-backward normalisation.
        let largest = transitions.max() ?? 0
        var weightsOfTransitions = [Float](repeating: 0, count: (tags.count + 1) * tags.count)
        for before in 0...tags.count {
            for tag in tags.indices where matrix[before * (tags.count + 1) + tag] {
                weightsOfTransitions[before * tags.count + tag] = expf(transitions[before * tags.count + tag] - largest)
            }
        }
        transitionWeights = weightsOfTransitions
    }

    static func allowed(_ tags: [String]) -> [[Int]] {
        tags.indices.map { tag in
            let name = tags[tag]
            guard name.hasPrefix("I-") else { return Array(0...tags.count) }
            let slot = name.dropFirst(2)
            return tags.indices.filter { tags[$0] == "B-\(slot)" || tags[$0] == "I-\(slot)" }
        }
    }

    func emissions(_ features: [[UInt64]]) -> [Float] {
        let count = tags.count
        var scores = [Float](repeating: 0, count: features.count * count)
        weights.withUnsafeBufferPointer { weights in
            for (position, list) in features.enumerated() {
                let base = position * count
                for feature in list {
                    guard let row = rows[feature] else { continue }
                    let offset = Int(row) * count
                    for tag in 0..<count { scores[base + tag] += weights[offset + tag] }
                }
            }
        }
        return scores
    }

    /// The best tag sequence for the features of each token.
    func decode(_ features: [[UInt64]]) -> [Int] {
        Self.viterbi(emissions(features), length: features.count, tagCount: tags.count, transitions: transitions, allowed: allowedPrevious)
    }

    /// The best tags, with each tag's posterior probability (forward–backward over the same
    /// scores) as its confidence.
    public func tag(_ features: [[UInt64]]) -> (tags: [String], confidence: [Float]) {
        let length = features.count
        guard length > 0 else { return ([], []) }
        let count = tags.count
        let scores = emissions(features)
        let best = Self.viterbi(scores, length: length, tagCount: count, transitions: transitions, allowed: allowedPrevious)
        // Forward–backward with per-position scaling (Rabiner): in probabilities, each row
        // normalised to sum 1, so it needs `count` exponentials a position, not `count²`.
        // `transitionWeights` holds exp(transition − largest), 0 where a transition is not allowed.
        var emission = [Float](repeating: 0, count: length * count)
        for position in 0..<length {
            var top = -Float.infinity
            for tag in 0..<count { top = max(top, scores[position * count + tag]) }
            for tag in 0..<count { emission[position * count + tag] = expf(scores[position * count + tag] - top) }
        }
        var alpha = [Float](repeating: 0, count: length * count)
        var beta = [Float](repeating: 0, count: length * count)
        var scale = [Float](repeating: 1, count: length)
        for tag in 0..<count { alpha[tag] = transitionWeights[count * count + tag] * emission[tag] }
        for position in 0..<length {
            if position > 0 {
                for tag in 0..<count {
                    var sum: Float = 0
                    for previous in 0..<count { sum += alpha[(position - 1) * count + previous] * transitionWeights[previous * count + tag] }
                    alpha[position * count + tag] = sum * emission[position * count + tag]
                }
            }
            var total: Float = 0
            for tag in 0..<count { total += alpha[position * count + tag] }
            scale[position] = total > 0 ? total : 1
            for tag in 0..<count { alpha[position * count + tag] /= scale[position] }
        }
        for tag in 0..<count { beta[(length - 1) * count + tag] = 1 }
        if length > 1 {
            for position in stride(from: length - 2, through: 0, by: -1) {
                for tag in 0..<count {
                    var sum: Float = 0
                    for next in 0..<count {
                        sum += transitionWeights[tag * count + next] * emission[(position + 1) * count + next] * beta[(position + 1) * count + next]
                    }
                    beta[position * count + tag] = sum / scale[position + 1]
                }
            }
        }
        var confidence: [Float] = []
        for (position, tag) in best.enumerated() {
            let value = alpha[position * count + tag] * beta[position * count + tag]
            confidence.append(min(1, max(0, value.isFinite ? value : 0)))
        }
        return (best.map { tags[$0] }, confidence)
    }

    static func viterbi(_ scores: [Float], length: Int, tagCount count: Int, transitions: [Float], allowed: [[Int]]) -> [Int] {
        guard length > 0 else { return [] }
        var best = [Float](repeating: -.infinity, count: length * count)
        var back = [Int32](repeating: 0, count: length * count)
        for tag in 0..<count where allowed[tag].contains(count) {
            best[tag] = transitions[count * count + tag] + scores[tag]
        }
        for position in 1..<max(length, 1) {
            for tag in 0..<count {
                var top: Float = -.infinity
                var from: Int32 = 0
                for previous in allowed[tag] where previous < count {
                    let value = best[(position - 1) * count + previous] + transitions[previous * count + tag]
                    if value > top {
                        top = value
                        from = Int32(previous)
                    }
                }
                best[position * count + tag] = top + scores[position * count + tag]
                back[position * count + tag] = from
            }
        }
        var tag = 0
        var top: Float = -.infinity
        for candidate in 0..<count where best[(length - 1) * count + candidate] > top {
            top = best[(length - 1) * count + candidate]
            tag = candidate
        }
        var result = [Int](repeating: 0, count: length)
        for position in stride(from: length - 1, through: 0, by: -1) {
            result[position] = tag
            tag = Int(back[position * count + tag])
        }
        return result
    }

    // MARK: - Training

    /// Trains on `examples` (features per token, gold tag indexes) for `epochs` passes in an
    /// order shuffled by `seed`, and returns the averaged weights.
    static func train(
        _ examples: [(features: [[UInt64]], tags: [Int])], tags: [String], epochs: Int, seed: UInt64
    ) -> SlotTagger {
        var rows: [UInt64: Int32] = [:]
        var encoded: [(features: [[Int32]], tags: [Int])] = []
        encoded.reserveCapacity(examples.count)
        for example in examples {
            let features = example.features.map { list in
                list.map { hash -> Int32 in
                    if let row = rows[hash] { return row }
                    let row = Int32(rows.count)
                    rows[hash] = row
                    return row
                }
            }
            encoded.append((features, example.tags))
        }
        let count = tags.count
        let allowed = allowed(tags)
        var weights = [Float](repeating: 0, count: rows.count * count)
        var weightSums = [Float](repeating: 0, count: rows.count * count)
        var transitions = [Float](repeating: 0, count: (count + 1) * count)
        var transitionSums = [Float](repeating: 0, count: (count + 1) * count)
        var order = Array(encoded.indices)
        var generator = SplitMix64(seed: seed)
        var step: Float = 1
        for _ in 0..<epochs {
            generator.shuffle(&order)
            for index in order {
                let example = encoded[index]
                let length = example.tags.count
                var scores = [Float](repeating: 0, count: length * count)
                for (position, list) in example.features.enumerated() {
                    for row in list {
                        let offset = Int(row) * count
                        for tag in 0..<count { scores[position * count + tag] += weights[offset + tag] }
                    }
                }
                let predicted = viterbi(scores, length: length, tagCount: count, transitions: transitions, allowed: allowed)
                if predicted != example.tags {
                    func update(_ sequence: [Int], _ delta: Float) {
                        var previous = count
                        for (position, tag) in sequence.enumerated() {
                            for row in example.features[position] {
                                weights[Int(row) * count + tag] += delta
                                weightSums[Int(row) * count + tag] += step * delta
                            }
                            transitions[previous * count + tag] += delta
                            transitionSums[previous * count + tag] += step * delta
                            previous = tag
                        }
                    }
                    update(example.tags, 1)
                    update(predicted, -1)
                }
                step += 1
            }
        }
        // Averaging: w_avg = w - sum(c · Δ) / c.
        for index in weights.indices { weights[index] -= weightSums[index] / step }
        for index in transitions.indices { transitions[index] -= transitionSums[index] / step }
        return SlotTagger(tags: tags, rows: rows, weights: weights, transitions: transitions).pruned()
    }

    /// Drops features whose weights are all (nearly) zero, so the model file stays small.
    func pruned(threshold: Float = 1e-3) -> SlotTagger {
        let count = tags.count
        var newRows: [UInt64: Int32] = [:]
        var newWeights: [Float] = []
        for (hash, row) in rows.sorted(by: { $0.value < $1.value }) {
            let slice = weights[(Int(row) * count)..<(Int(row) * count + count)]
            guard slice.contains(where: { abs($0) >= threshold }) else { continue }
            newRows[hash] = Int32(newRows.count)
            newWeights.append(contentsOf: slice.map { abs($0) >= threshold ? $0 : 0 })
        }
        return SlotTagger(tags: tags, rows: newRows, weights: newWeights, transitions: transitions)
    }
}
