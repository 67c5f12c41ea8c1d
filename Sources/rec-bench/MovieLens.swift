import Glibc
import RecService

/// The MovieLens-100K protocol of ../shared/research/movielens-anchor.md, for our ALS trainer.
enum MovieLens {
    struct Split {
        var users: Int
        var items: Int
        var train: [[Int]]  // items per user, in time order
        var heldOut: [[Int]]
    }

    /// Reads `ml-100k.inter` (header, then user, item, rating, timestamp; tab-separated).
    static func read(_ path: String, minimumRating: Double) throws -> (users: Int, items: Int, rows: [(user: Int, item: Int, time: Double, order: Int)]) {
        guard let file = fopen(path, "r") else { throw BenchError("cannot open \(path)") }
        defer { fclose(file) }
        var raw: [(user: Int, item: Int, rating: Double, time: Double)] = []
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(buffer) }
        var first = true
        while getline(&buffer, &capacity, file) >= 0, let buffer {
            let line = String(cString: buffer)
            if first { first = false; continue }
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == "\n" })
            guard fields.count >= 4, let u = Int(fields[0]), let i = Int(fields[1]), let r = Double(fields[2]), let t = Double(fields[3]) else { continue }
            raw.append((u, i, r, t))
        }
        let kept = raw.filter { $0.rating >= minimumRating }
        let userIDs = Set(kept.map(\.user)).sorted(), itemIDs = Set(kept.map(\.item)).sorted()
        let userIndex = Dictionary(uniqueKeysWithValues: userIDs.enumerated().map { ($1, $0) })
        let itemIndex = Dictionary(uniqueKeysWithValues: itemIDs.enumerated().map { ($1, $0) })
        let rows = kept.enumerated().map { order, row in (user: userIndex[row.user]!, item: itemIndex[row.item]!, time: row.time, order: order) }
        return (userIDs.count, itemIDs.count, rows)
    }

    /// Per user, by (timestamp, file order): the last max(1, n / 5) go to held-out.
    static func split(users: Int, items: Int, rows: [(user: Int, item: Int, time: Double, order: Int)]) -> Split {
        var perUser = [[(item: Int, time: Double, order: Int)]](repeating: [], count: users)
        for row in rows { perUser[row.user].append((row.item, row.time, row.order)) }
        var train = [[Int]](repeating: [], count: users), held = [[Int]](repeating: [], count: users)
        for user in 0..<users {
            let sorted = perUser[user].sorted { ($0.time, $0.order) < ($1.time, $1.order) }
            let test = max(1, sorted.count / 5)
            train[user] = sorted.prefix(sorted.count - test).map(\.item)
            held[user] = sorted.suffix(test).map(\.item)
        }
        return Split(users: users, items: items, train: train, heldOut: held)
    }

    /// The validation split: the same rule applied to each user's train items (already in time order).
    static func validation(_ split: Split) -> Split {
        var train = split.train, held = split.train
        for user in 0..<split.users {
            let items = split.train[user]
            let test = max(1, items.count / 5)
            train[user] = Array(items.prefix(items.count - test))
            held[user] = Array(items.suffix(test))
        }
        return Split(users: split.users, items: split.items, train: train, heldOut: held)
    }

    /// Macro-averaged Recall@20 and NDCG@20 over users with held-out items.
    static func evaluate(_ split: Split, k: Int = 20, scores: (Int) -> [Float]) -> (recall: Double, ndcg: Double) {
        var recall = 0.0, ndcg = 0.0, evaluated = 0
        for user in 0..<split.users where !split.heldOut[user].isEmpty {
            let seen = Set(split.train[user])
            let held = Set(split.heldOut[user])
            let userScores = scores(user)
            // Stable: ties go to the lower item index.
            let candidates = (0..<split.items).filter { !seen.contains($0) }
            var heap = [(Float, Int)]()
            heap.reserveCapacity(candidates.count)
            for item in candidates { heap.append((userScores[item], item)) }
            let top = heap.sorted { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.prefix(k)
            var hits = 0, dcg = 0.0
            for (rank, entry) in top.enumerated() where held.contains(entry.1) {
                hits += 1
                dcg += 1 / log2(Double(rank + 2))
            }
            let ideal = (0..<min(k, held.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
            recall += Double(hits) / Double(min(k, held.count))
            ndcg += dcg / ideal
            evaluated += 1
        }
        return (recall / Double(evaluated), ndcg / Double(evaluated))
    }

    static func interactions(_ split: Split) -> ALSTrainer.Interactions {
        var entries: [(user: Int, item: Int, value: Float)] = []
        for user in 0..<split.users { for item in split.train[user] { entries.append((user, item, 1)) } }
        return ALSTrainer.Interactions(userCount: split.users, itemCount: split.items, entries: entries)
    }

    static func popularity(_ split: Split) -> [Float] {
        var counts = [Float](repeating: 0, count: split.items)
        for items in split.train { for item in items { counts[item] += 1 } }
        return counts
    }

    /// Grid search on validation, refit on train, score on test; prints one JSON line per variant.
    static func run(path: String, grid: [ALSTrainer.Settings]) throws {
        for (name, minimum) in [("all", 0.0), ("r>=4", 4.0)] {
            let data = try read(path, minimumRating: minimum)
            let full = split(users: data.users, items: data.items, rows: data.rows)
            let validation = validation(full)
            let popularityTest = evaluate(full) { _ in popularity(full) }
            var best: (settings: ALSTrainer.Settings, ndcg: Double, recall: Double)?
            let validationData = interactions(validation)
            for settings in grid {
                let model = ALSTrainer(settings: settings).train(validationData)
                let metrics = evaluate(validation) { model.scores(user: $0) }
                if best == nil || metrics.ndcg > best!.ndcg || (metrics.ndcg == best!.ndcg && metrics.recall > best!.recall) {
                    best = (settings, metrics.ndcg, metrics.recall)
                }
            }
            let chosen = best!.settings
            let trainData = interactions(full)
            var seconds: [Double] = []
            var model: ALSTrainer.Model?
            for _ in 0..<3 {
                let start = ContinuousClock.now
                model = ALSTrainer(settings: chosen).train(trainData)
                seconds.append(Double((ContinuousClock.now - start) / .microseconds(1)) / 1e6)
            }
            let test = evaluate(full) { model!.scores(user: $0) }
            print(
                """
                {"variant":"\(name)","users":\(full.users),"items":\(full.items),"train_rows":\(full.train.map(\.count).reduce(0, +)),\
                "test_rows":\(full.heldOut.map(\.count).reduce(0, +)),"popularity_recall20":\(fmt(popularityTest.recall)),\
                "popularity_ndcg20":\(fmt(popularityTest.ndcg)),"factors":\(chosen.factors),"regularization":\(chosen.regularization),\
                "iterations":\(chosen.iterations),"alpha":\(chosen.alpha),"val_ndcg20":\(fmt(best!.ndcg)),\
                "recall20":\(fmt(test.recall)),"ndcg20":\(fmt(test.ndcg)),"train_seconds_median":\(fmt(seconds.sorted()[1]))}
                """)
        }
    }

    static func fmt(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded() / 10_000
        return String(scaled)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
