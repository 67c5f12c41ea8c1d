internal import Glibc

/// Multinomial logistic regression over hashed sparse binary features (`Features.intent`),
/// trained with L2-regularized stochastic gradient descent.
public struct IntentClassifier: Sendable {
    /// The intent labels, in the order of the weight columns.
    public let labels: [String]
    /// Row of each known feature hash.
    let rows: [UInt64: Int32]
    /// Weights, `rows.count × labels.count`.
    let weights: [Float]

    init(labels: [String], rows: [UInt64: Int32], weights: [Float]) {
        self.labels = labels
        self.rows = rows
        self.weights = weights
    }

    /// The probability of every label, in `labels` order.
    public func probabilities(_ features: [UInt64]) -> [Float] {
        let count = labels.count
        var scores = [Float](repeating: 0, count: count)
        weights.withUnsafeBufferPointer { weights in
            for feature in features {
                guard let row = rows[feature] else { continue }
                let offset = Int(row) * count
                for label in 0..<count { scores[label] += weights[offset + label] }
            }
        }
        return Self.softmax(scores)
    }

    static func softmax(_ scores: [Float]) -> [Float] {
        guard let top = scores.max() else { return [] }
        var result = scores.map { expf($0 - top) }
        let sum = result.reduce(0, +)
        for index in result.indices { result[index] /= sum }
        return result
    }

    // MARK: - Training

    /// Trains on `examples` for `epochs` passes, in an order shuffled by `seed`, with a step
    /// size of `rate / (1 + epoch)` and L2 strength `l2` applied to the features of each step.
    static func train(
        _ examples: [(features: [UInt64], label: Int)], labels: [String], epochs: Int, seed: UInt64,
        rate: Float = 0.3, l2: Float = 1e-5
    ) -> IntentClassifier {
        var rows: [UInt64: Int32] = [:]
        var encoded: [(features: [Int32], label: Int)] = []
        encoded.reserveCapacity(examples.count)
        for example in examples {
            var seen: Set<Int32> = []
            var list: [Int32] = []
            for hash in example.features {
                let row: Int32
                if let existing = rows[hash] {
                    row = existing
                } else {
                    row = Int32(rows.count)
                    rows[hash] = row
                }
                if seen.insert(row).inserted { list.append(row) }
            }
            encoded.append((list, example.label))
        }
        let count = labels.count
        var weights = [Float](repeating: 0, count: rows.count * count)
        var order = Array(encoded.indices)
        var generator = SplitMix64(seed: seed)
        var scores = [Float](repeating: 0, count: count)
        for epoch in 0..<epochs {
            generator.shuffle(&order)
            let step = rate / (1 + Float(epoch) * 0.5)
            for index in order {
                let example = encoded[index]
                for label in 0..<count { scores[label] = 0 }
                for row in example.features {
                    let offset = Int(row) * count
                    for label in 0..<count { scores[label] += weights[offset + label] }
                }
                let probabilities = softmax(scores)
                // Features are binary; scale the step by the feature count so long utterances
                // do not take larger steps.
                let scaled = step / sqrtf(Float(example.features.count))
                for row in example.features {
                    let offset = Int(row) * count
                    for label in 0..<count {
                        let gradient = probabilities[label] - (label == example.label ? 1 : 0)
                        weights[offset + label] -= scaled * (gradient + l2 * weights[offset + label])
                    }
                }
            }
        }
        return IntentClassifier(labels: labels, rows: rows, weights: weights)
    }
}
