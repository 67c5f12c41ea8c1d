internal import CVectorKernels
internal import Glibc
internal import Synchronization

/// Nearest-neighbour search by inner product over fixed-size float vectors (unit vectors give
/// cosine similarity): an exact scan, and an HNSW graph (Malkov and Yashunin, 2016) for fast
/// approximate search. Thread-safe: searches run in parallel, `add` takes a write lock.
public final class VectorIndex: Sendable {
    /// HNSW parameters.
    public struct Parameters: Hashable, Sendable {
        /// Links per node on the upper layers (twice as many on layer 0).
        public var m = 16
        /// Candidate list size while building.
        public var efConstruction = 120
        /// Candidate list size while searching (at least k).
        public var efSearch = 96
        /// Seed of the level generator, so builds are reproducible.
        public var seed: UInt64 = 42

        public init() {}
    }

    /// One search result: the caller's id and the inner product.
    public struct Neighbor: Hashable, Sendable {
        public var id: Int64
        public var score: Float
    }

    public let dimensions: Int
    public let parameters: Parameters
    private let lock = ReadWriteLock()
    nonisolated(unsafe) private var graph: Graph
    // nonisolated(unsafe): every access holds `lock`.

    struct Graph {
        var vectors: [Float] = []
        var ids: [Int64] = []
        var rowOfID: [Int64: Int32] = [:]
        /// The same for small ids (catalog ids are a database sequence, so dense): row + 1
        /// at index id, 0 for none. A lookup without hashing, for scoring many ids.
        var denseRows: [Int32] = []
        /// Layer 0, flat: per node a count and up to 2·M neighbours (stride 2·M + 1), so the
        /// search walks one contiguous array.
        var level0: [Int32] = []
        /// upper[level − 1][node] for the layers above 0 (only nodes that reach the layer
        /// have links there).
        var upper: [[[Int32]]] = []
        /// Every vector quantized to int8 (`dimensions` bytes a row, v ≈ scale · code) and its
        /// scale: the quantized search reads these, a quarter of the floats' memory traffic.
        var codes: [Int8] = []
        var codeScales: [Float] = []
        var levels: [Int8] = []
        var entryPoint: Int32 = -1
        var maxLevel = 0
        var random: UInt64
    }

    private var level0Stride: Int { 2 * parameters.m + 1 }

    private func neighbors(_ row: Int32, level: Int) -> [Int32] {
        if level > 0 { return graph.upper[level - 1][Int(row)] }
        let base = Int(row) * level0Stride
        let count = Int(graph.level0[base])
        return Array(graph.level0[(base + 1)..<(base + 1 + count)])
    }

    private func setNeighbors(_ row: Int32, level: Int, _ list: [Int32]) {
        if level > 0 {
            graph.upper[level - 1][Int(row)] = list
            return
        }
        let base = Int(row) * level0Stride
        precondition(list.count < level0Stride)
        graph.level0[base] = Int32(list.count)
        for (index, neighbor) in list.enumerated() { graph.level0[base + 1 + index] = neighbor }
    }

    public init(dimensions: Int, parameters: Parameters = Parameters()) {
        precondition(dimensions > 0)
        self.dimensions = dimensions
        self.parameters = parameters
        graph = Graph(random: parameters.seed | 1)
    }

    /// The number of vectors.
    public var count: Int { lock.withReadLock { graph.ids.count } }

    /// The vector of `id`, if indexed.
    public func vector(of id: Int64) -> [Float]? {
        lock.withReadLock {
            guard let row = graph.rowOfID[id] else { return nil }
            let start = Int(row) * dimensions
            return Array(graph.vectors[start..<(start + dimensions)])
        }
    }

    /// Adds vectors; an id already present gets the new vector in place (its graph links stay,
    /// which is fine for the small moves of an edited product text; a reload rebuilds them).
    public func add(_ items: [(id: Int64, vector: [Float])]) {
        lock.withWriteLock {
            for item in items {
                precondition(item.vector.count == dimensions, "vector of \(item.vector.count) floats, index has \(dimensions)")
                if let row = graph.rowOfID[item.id] {
                    let start = Int(row) * dimensions
                    graph.vectors.replaceSubrange(start..<(start + dimensions), with: item.vector)
                    let (codes, scale) = Self.quantized(item.vector)
                    graph.codes.replaceSubrange(start..<(start + dimensions), with: codes)
                    graph.codeScales[Int(row)] = scale
                } else {
                    insert(item.id, item.vector)
                }
            }
        }
    }

    /// Up to `count` ids picked pseudo-randomly under `seed`.
    func sampleIDs(count: Int, seed: UInt64) -> [Int64] {
        lock.withReadLock {
            guard !graph.ids.isEmpty else { return [] }
            var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
            return (0..<count).map { _ in
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                return graph.ids[Int((state &* 2_685_821_657_736_338_717) >> 33) % graph.ids.count]
            }
        }
    }

    /// Every id, in insertion order.
    public var ids: [Int64] { lock.withReadLock { graph.ids } }

    // MARK: - Exact

    /// The `k` vectors with the largest inner product with `query`, by scanning them all.
    /// - Parameter allowed: when given, only ids it accepts are considered.
    public func exactSearch(_ query: [Float], k: Int, allowed: ((Int64) -> Bool)? = nil) -> [Neighbor] {
        precondition(query.count == dimensions)
        return lock.withReadLock {
            var heap = BoundedHeap<Neighbor>(capacity: k) { $0.score < $1.score || ($0.score == $1.score && $0.id > $1.id) }
            graph.vectors.withUnsafeBufferPointer { vectors in
                query.withUnsafeBufferPointer { q in
                    for row in 0..<graph.ids.count {
                        let id = graph.ids[row]
                        if let allowed, !allowed(id) { continue }
                        let score = VectorMath.dot(q.baseAddress!, vectors.baseAddress! + row * dimensions, dimensions)
                        heap.insert(Neighbor(id: id, score: score))
                    }
                }
            }
            return heap.sortedDescending()
        }
    }

    /// The inner product of `query` with the vector of each id (nil for ids not indexed).
    /// Small ids are found in the dense row table, without hashing. (Scoring tens of
    /// thousands is memory-bound, 1.5 KB per vector: batching them four at a time with
    /// prefetching was measured and gained nothing.)
    public func scores(_ query: [Float], ids: [Int64]) -> [Float?] {
        lock.withReadLock {
            graph.vectors.withUnsafeBufferPointer { vectors in
                query.withUnsafeBufferPointer { q in
                    graph.denseRows.withUnsafeBufferPointer { dense in
                        ids.map { id -> Float? in
                            let row: Int32?
                            if id >= 0 && id < Int64(dense.count) {
                                let stored = dense[Int(id)]
                                row = stored > 0 ? stored - 1 : nil
                            } else {
                                row = graph.rowOfID[id]
                            }
                            return row.map { VectorMath.dot(q.baseAddress!, vectors.baseAddress! + Int($0) * dimensions, dimensions) }
                        }
                    }
                }
            }
        }
    }

    // MARK: - HNSW

    /// The approximate `k` nearest vectors by inner product.
    /// - Parameters:
    ///   - ef: the candidate list size (default `parameters.efSearch`); larger is slower and
    ///     more accurate.
    ///   - quantized: walk the graph on the int8 codes (a quarter of the memory reads), then
    ///     rescore what it found on the floats. The scores returned are exact either way.
    ///   - estimates: with `quantized`, skip the rescoring: the scores (and the order) are the
    ///     codes' estimates, within about 0.01, and no float vector is read (`ef` of them
    ///     would be 1.5 KB each, scattered).
    ///   - allowed: when given, only accepted ids are returned. The walk still steps through
    ///     every node, but only accepted ones enter its `ef` best (hnswlib's filtered
    ///     search): a filter that passes one product in four costs about four plain walks,
    ///     in one pass. When the walk cannot find `k` accepted (a filter so selective that it
    ///     would have to visit more than a quarter of the graph), the exact scan answers: a
    ///     filtered search never returns fewer than `k` results when `k` vectors pass.
    public func search(
        _ query: [Float], k: Int, ef: Int? = nil, quantized: Bool = false, estimates: Bool = false,
        allowed: ((Int64) -> Bool)? = nil
    ) -> [Neighbor] {
        precondition(query.count == dimensions)
        guard k > 0 else { return [] }
        let width = max(ef ?? parameters.efSearch, k)
        let found = lock.withReadLock { () -> [Neighbor] in
            guard !graph.ids.isEmpty else { return [] }
            return graph.ids.withUnsafeBufferPointer { ids in
                let filter = allowed.map { allowed in
                    RowFilter(accepts: { allowed(ids[Int($0)]) }, visitLimit: max(32 * width, ids.count / 4))
                }
                let candidates = query.withUnsafeBufferPointer {
                    searchGraph($0, ef: width, quantized: quantized, estimates: estimates, filter: filter)
                }
                return candidates.prefix(k).map { Neighbor(id: ids[Int($0.0)], score: $0.1) }
            }
        }
        if found.count >= k || allowed == nil { return found }
        return exactSearch(query, k: k, allowed: allowed)
    }

    /// Layer descent then a beam search of width `ef` on layer 0; rows with scores, best first.
    private func searchGraph(
        _ query: UnsafeBufferPointer<Float>, ef: Int, quantized: Bool, estimates: Bool, filter: RowFilter?
    ) -> [(Int32, Float)] {
        guard quantized else {
            var entry = graph.entryPoint
            var entryScore = score(query.baseAddress!, entry)
            for level in stride(from: graph.maxLevel, to: 0, by: -1) {
                (entry, entryScore) = greedy(query.baseAddress!, from: entry, score: entryScore, level: level)
            }
            return graph.vectors.withUnsafeBufferPointer { vectors in
                searchLevel0(
                    FloatScorer(query: query.baseAddress!, vectors: vectors.baseAddress!, dimensions: dimensions),
                    entries: [(entry, entryScore)], ef: ef, filter: filter)
            }
        }
        // Every layer on the codes.
        let (codes, queryScale) = Self.quantized(Array(query))
        let found = codes.withUnsafeBufferPointer { code in
            graph.codes.withUnsafeBufferPointer { rows in
                graph.codeScales.withUnsafeBufferPointer { scales in
                    let scorer = Int8Scorer(
                        query: code.baseAddress!, queryScale: queryScale, codes: rows.baseAddress!, scales: scales.baseAddress!,
                        dimensions: dimensions)
                    var entry = graph.entryPoint
                    var entryScore = scorer.score(entry)
                    for level in stride(from: graph.maxLevel, to: 0, by: -1) {
                        (entry, entryScore) = greedy(scorer, from: entry, score: entryScore, level: level)
                    }
                    return searchLevel0(scorer, entries: [(entry, entryScore)], ef: ef, filter: filter)
                }
            }
        }
        if estimates { return found.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) } }
        // The exact scores, best first.
        return found.map { ($0.0, score(query.baseAddress!, $0.0)) }.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
    }

    /// The `k` of `ids` nearest to `query` (ids not indexed are skipped), best first: every id
    /// is scored on its int8 code (a quarter of the floats' memory reads, which is what scoring
    /// tens of thousands costs), and the best `2k + 32` of those are rescored on the floats.
    /// The scores returned are exact, or with `estimates` the codes' own (no float is read).
    public func nearest(_ query: [Float], among ids: [Int64], k: Int, estimates: Bool = false) -> [Neighbor] {
        precondition(query.count == dimensions)
        guard k > 0 else { return [] }
        return lock.withReadLock {
            if estimates {
                var heap = BoundedHeap<Neighbor>(capacity: k) { $0.score < $1.score || ($0.score == $1.score && $0.id > $1.id) }
                scoreCodes(query, ids: ids) { _, row, score in heap.insert(Neighbor(id: graph.ids[Int(row)], score: score)) }
                return heap.sortedDescending()
            }
            var shortlist = BoundedHeap<(row: Int32, score: Float)>(capacity: 2 * k + 32) { $0.score < $1.score }
            scoreCodes(query, ids: ids) { _, row, score in shortlist.insert((row, score)) }
            var heap = BoundedHeap<Neighbor>(capacity: k) { $0.score < $1.score || ($0.score == $1.score && $0.id > $1.id) }
            query.withUnsafeBufferPointer { q in
                for (row, _) in shortlist.sortedDescending() {
                    heap.insert(Neighbor(id: graph.ids[Int(row)], score: score(q.baseAddress!, row)))
                }
            }
            return heap.sortedDescending()
        }
    }

    /// The inner product of `query` with the vector of each id as the int8 codes estimate it
    /// (within about 0.01 for unit vectors; nil for ids not indexed): `scores(_:ids:)` for a
    /// quarter of the memory reads.
    public func approximateScores(_ query: [Float], ids: [Int64]) -> [Float?] {
        precondition(query.count == dimensions)
        return lock.withReadLock {
            var result = [Float?](repeating: nil, count: ids.count)
            scoreCodes(query, ids: ids) { index, _, score in result[index] = score }
            return result
        }
    }

    /// Scores each indexed id of `ids` on the int8 codes, four at a time with their codes
    /// prefetched, and calls `body(index in ids, row, score)`. Called with the read lock held.
    private func scoreCodes(_ query: [Float], ids: [Int64], _ body: (Int, Int32, Float) -> Void) {
        let (code, queryScale) = Self.quantized(query)
        code.withUnsafeBufferPointer { code in
            graph.codes.withUnsafeBufferPointer { rows in
                graph.codeScales.withUnsafeBufferPointer { scales in
                    graph.denseRows.withUnsafeBufferPointer { dense in
                        let scorer = Int8Scorer(
                            query: code.baseAddress!, queryScale: queryScale, codes: rows.baseAddress!, scales: scales.baseAddress!,
                            dimensions: dimensions)
                        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4) { batch in
                            withUnsafeTemporaryAllocation(of: Int.self, capacity: 4) { positions in
                                withUnsafeTemporaryAllocation(of: Float.self, capacity: 4) { scores in
                                    var filled = 0
                                    func flush() {
                                        if filled == 4 {
                                            scorer.score4(UnsafePointer(batch.baseAddress!), scores.baseAddress!)
                                        } else {
                                            for index in 0..<filled { scores[index] = scorer.score(batch[index]) }
                                        }
                                        for index in 0..<filled { body(positions[index], batch[index], scores[index]) }
                                        filled = 0
                                    }
                                    for (position, id) in ids.enumerated() {
                                        let row: Int32
                                        if id >= 0 && id < Int64(dense.count) {
                                            guard dense[Int(id)] > 0 else { continue }
                                            row = dense[Int(id)] - 1
                                        } else {
                                            guard let found = graph.rowOfID[id] else { continue }
                                            row = found
                                        }
                                        scorer.prefetch(row)
                                        batch[filled] = row
                                        positions[filled] = position
                                        filled += 1
                                        if filled == 4 { flush() }
                                    }
                                    flush()
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Symmetric int8 quantization of one vector: v ≈ scale · code, codes in -127...127.
    static func quantized(_ vector: [Float]) -> (codes: [Int8], scale: Float) {
        let largest = vector.reduce(Float(0)) { max($0, abs($1)) }
        guard largest > 0, largest.isFinite else { return ([Int8](repeating: 0, count: vector.count), 1) }
        let scale = largest / 127
        return (vector.map { Int8(max(-127, min(127, ($0 / scale).rounded()))) }, scale)
    }

    @inline(__always)
    private func score(_ query: UnsafePointer<Float>, _ row: Int32) -> Float {
        graph.vectors.withUnsafeBufferPointer { VectorMath.dot(query, $0.baseAddress! + Int(row) * dimensions, dimensions) }
    }

    private func greedy(_ query: UnsafePointer<Float>, from start: Int32, score startScore: Float, level: Int) -> (Int32, Float) {
        graph.vectors.withUnsafeBufferPointer { vectors in
            greedy(FloatScorer(query: query, vectors: vectors.baseAddress!, dimensions: dimensions), from: start, score: startScore, level: level)
        }
    }

    /// The greedy descent of one upper layer: the closest node `scorer` finds from `start`.
    private func greedy<Scorer: RowScorer>(_ scorer: Scorer, from start: Int32, score startScore: Float, level: Int) -> (Int32, Float) {
        var current = start, best = startScore
        var changed = true
        while changed {
            changed = false
            for neighbor in graph.upper[level - 1][Int(current)] {
                let s = scorer.score(neighbor)
                if s > best {
                    best = s
                    current = neighbor
                    changed = true
                }
            }
        }
        return (current, best)
    }

    /// Which rows a filtered walk may return, and how many nodes it scores at most.
    struct RowFilter {
        let accepts: (Int32) -> Bool
        let visitLimit: Int
    }

    /// The beam search of one layer: up to `ef` rows, best first.
    private func searchLayer(_ query: UnsafePointer<Float>, entries: [(Int32, Float)], ef: Int, level: Int) -> [(Int32, Float)] {
        if level == 0 {
            return graph.vectors.withUnsafeBufferPointer { vectors in
                searchLevel0(FloatScorer(query: query, vectors: vectors.baseAddress!, dimensions: dimensions), entries: entries, ef: ef)
            }
        }
        let visited = VisitedSet.acquire(capacity: graph.ids.count)
        defer { VisitedSet.release(visited) }
        // Candidates: a max-heap on score (best first); results: a min-heap (worst first).
        var candidates = ScoreHeap(maxFirst: true, capacity: 2 * ef)
        var results = ScoreHeap(maxFirst: false, capacity: ef + 1)
        for (row, s) in entries {
            _ = visited.insert(row)
            candidates.push(row, s)
            results.push(row, s)
        }
        let links = graph.upper[level - 1]
        while let (row, s) = candidates.pop() {
            if results.count >= ef, let worst = results.top, s < worst.1 { break }
            for neighbor in links[Int(row)] {
                guard visited.insert(neighbor) else { continue }
                let ns = score(query, neighbor)
                if results.count < ef || ns > results.topScore {
                    candidates.push(neighbor, ns)
                    results.push(neighbor, ns)
                    if results.count > ef { _ = results.pop() }
                }
            }
        }
        return Self.drain(&results)
    }

    /// The beam search of layer 0, where the time goes, over the scores `scorer` gives (the
    /// floats, or the int8 codes). Per expanded node: mark its unvisited neighbours, prefetch
    /// their vectors, then score them four at a time (one load of the query per chunk for four
    /// sums), and only then touch the heaps. With a `filter`, every node scored can lead the
    /// walk on, but only accepted ones enter the results, and the walk stops after scoring
    /// `filter.visitLimit` nodes (returning what it has).
    private func searchLevel0<Scorer: RowScorer>(
        _ scorer: Scorer, entries: [(Int32, Float)], ef: Int, filter: RowFilter? = nil
    ) -> [(Int32, Float)] {
        let visited = VisitedSet.acquire(capacity: graph.ids.count)
        defer { VisitedSet.release(visited) }
        var candidates = ScoreHeap(maxFirst: true, capacity: 2 * ef)
        var results = ScoreHeap(maxFirst: false, capacity: ef + 1)
        for (row, s) in entries {
            _ = visited.insert(row)
            candidates.push(row, s)
            if filter?.accepts(row) ?? true { results.push(row, s) }
        }
        var budget = filter?.visitLimit ?? .max
        let stride = level0Stride
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: stride) { fresh in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: stride + 4) { scores in
                graph.level0.withUnsafeBufferPointer { links in
                    while let (row, s) = candidates.pop() {
                        if results.count >= ef, let worst = results.top, s < worst.1 { break }
                        let start = Int(row) * stride
                        let count = Int(links[start])
                        var found = 0
                        for index in 0..<count {
                            let neighbor = links[start + 1 + index]
                            if visited.insert(neighbor) {
                                fresh[found] = neighbor
                                found += 1
                                scorer.prefetch(neighbor)
                            }
                        }
                        var index = 0
                        while index + 4 <= found {
                            scorer.score4(UnsafePointer(fresh.baseAddress! + index), scores.baseAddress! + index)
                            index += 4
                        }
                        while index < found {
                            scores[index] = scorer.score(fresh[index])
                            index += 1
                        }
                        for index in 0..<found {
                            let ns = scores[index]
                            if results.count < ef || ns > results.topScore {
                                candidates.push(fresh[index], ns)
                                guard filter?.accepts(fresh[index]) ?? true else { continue }
                                results.push(fresh[index], ns)
                                if results.count > ef { _ = results.pop() }
                            }
                        }
                        budget -= found
                        if budget <= 0 { break }
                    }
                }
            }
        }
        return Self.drain(&results)
    }

    /// The results heap's rows, best first.
    private static func drain(_ results: inout ScoreHeap) -> [(Int32, Float)] {
        var ordered: [(Int32, Float)] = []
        ordered.reserveCapacity(results.count)
        while let item = results.pop() { ordered.append(item) }
        return ordered.reversed()
    }

    private func randomLevel() -> Int {
        // xorshift64*: reproducible levels under the seed.
        graph.random ^= graph.random >> 12
        graph.random ^= graph.random << 25
        graph.random ^= graph.random >> 27
        let value = graph.random &* 2_685_821_657_736_338_717
        let uniform = (Double(value >> 11) + 0.5) / Double(1 << 53)
        return min(Int(-log(uniform) / log(Double(parameters.m))), 15)
    }

    /// Inserts one vector; called with the write lock held.
    private func insert(_ id: Int64, _ vector: [Float]) {
        let row = Int32(graph.ids.count)
        graph.ids.append(id)
        graph.rowOfID[id] = row
        // Dense rows for ids up to four times the count (and at least 64k): a few bytes per id.
        let denseLimit = Int64(max(4 * graph.ids.count, 65_536))
        if id >= 0 && id < denseLimit {
            if id >= Int64(graph.denseRows.count) {
                graph.denseRows.append(contentsOf: repeatElement(0, count: Int(id) + 1 - graph.denseRows.count))
            }
            graph.denseRows[Int(id)] = row + 1
        }
        graph.vectors.append(contentsOf: vector)
        let (codes, scale) = Self.quantized(vector)
        graph.codes.append(contentsOf: codes)
        graph.codeScales.append(scale)
        let level = randomLevel()
        graph.levels.append(Int8(level))
        graph.level0.append(contentsOf: repeatElement(0, count: level0Stride))
        while graph.upper.count < level { graph.upper.append(Array(repeating: [], count: Int(row))) }
        for index in graph.upper.indices { graph.upper[index].append([]) }
        guard graph.entryPoint >= 0 else {
            graph.entryPoint = row
            graph.maxLevel = level
            return
        }
        vector.withUnsafeBufferPointer { pointer in
            let query = pointer.baseAddress!
            var entry = graph.entryPoint
            var entryScore = score(query, entry)
            if graph.maxLevel > level {
                for upper in stride(from: graph.maxLevel, to: level, by: -1) {
                    (entry, entryScore) = greedy(query, from: entry, score: entryScore, level: upper)
                }
            }
            var entries = [(entry, entryScore)]
            for current in stride(from: min(level, graph.maxLevel), through: 0, by: -1) {
                let found = searchLayer(query, entries: entries, ef: parameters.efConstruction, level: current)
                let limit = current == 0 ? 2 * parameters.m : parameters.m
                let chosen = selectNeighbors(found, limit: parameters.m)
                setNeighbors(row, level: current, chosen)
                for neighbor in chosen {
                    var list = neighbors(neighbor, level: current)
                    list.append(row)
                    if list.count > limit {
                        prune(neighbor, level: current, limit: limit, links: list)
                    } else {
                        setNeighbors(neighbor, level: current, list)
                    }
                }
                entries = found
            }
        }
        if level > graph.maxLevel {
            graph.maxLevel = level
            graph.entryPoint = row
        }
    }

    /// The neighbour-selection heuristic: keep a candidate only if it is closer to the new
    /// node than to every neighbour already kept, so links spread in different directions.
    private func selectNeighbors(_ candidates: [(Int32, Float)], limit: Int) -> [Int32] {
        var kept: [Int32] = []
        graph.vectors.withUnsafeBufferPointer { vectors in
            let base = vectors.baseAddress!
            for (candidate, s) in candidates where kept.count < limit {
                let dominated = kept.contains { other in
                    VectorMath.dot(base + Int(candidate) * dimensions, base + Int(other) * dimensions, dimensions) > s
                }
                if !dominated { kept.append(candidate) }
            }
            // Fill up with the closest remaining, so sparse regions stay connected.
            for (candidate, _) in candidates where kept.count < limit && !kept.contains(candidate) { kept.append(candidate) }
        }
        return kept
    }

    private func prune(_ node: Int32, level: Int, limit: Int, links: [Int32]) {
        let scored = graph.vectors.withUnsafeBufferPointer { vectors in
            let base = vectors.baseAddress!
            return links.map { neighbor in
                (neighbor, VectorMath.dot(base + Int(node) * dimensions, base + Int(neighbor) * dimensions, dimensions))
            }.sorted { $0.1 > $1.1 }
        }
        setNeighbors(node, level: level, selectNeighbors(scored, limit: limit))
    }
}

/// How layer 0's beam search scores rows: the float vectors, or their int8 codes.
protocol RowScorer {
    func prefetch(_ row: Int32)
    func score(_ row: Int32) -> Float
    /// The scores of the four rows at `rows`, into `out`.
    func score4(_ rows: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>)
}

struct FloatScorer: RowScorer {
    let query: UnsafePointer<Float>
    let vectors: UnsafePointer<Float>
    let dimensions: Int

    @inline(__always) func prefetch(_ row: Int32) { voiceshop_prefetch(vectors + Int(row) * dimensions, 64) }

    @inline(__always) func score(_ row: Int32) -> Float { VectorMath.dot(query, vectors + Int(row) * dimensions, dimensions) }

    @inline(__always) func score4(_ rows: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>) {
        voiceshop_dot4_f32(
            query, vectors + Int(rows[0]) * dimensions, vectors + Int(rows[1]) * dimensions, vectors + Int(rows[2]) * dimensions,
            vectors + Int(rows[3]) * dimensions, dimensions, out)
    }
}

/// Scores on the int8 codes: code · code × both scales, within about 1% of the float score.
struct Int8Scorer: RowScorer {
    let query: UnsafePointer<Int8>
    let queryScale: Float
    let codes: UnsafePointer<Int8>
    let scales: UnsafePointer<Float>
    let dimensions: Int

    @inline(__always) func prefetch(_ row: Int32) { voiceshop_prefetch_bytes(codes + Int(row) * dimensions, dimensions) }

    @inline(__always) func score(_ row: Int32) -> Float {
        Float(voiceshop_dot_i8(query, codes + Int(row) * dimensions, dimensions)) * queryScale * scales[Int(row)]
    }

    @inline(__always) func score4(_ rows: UnsafePointer<Int32>, _ out: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4) { sums in
            voiceshop_dot4_i8(
                query, codes + Int(rows[0]) * dimensions, codes + Int(rows[1]) * dimensions, codes + Int(rows[2]) * dimensions,
                codes + Int(rows[3]) * dimensions, dimensions, sums.baseAddress!)
            for index in 0..<4 { out[index] = Float(sums[index]) * queryScale * scales[Int(rows[index])] }
        }
    }
}

/// A binary heap of (row, score), best or worst first. Its storage is a raw buffer that
/// grows by doubling: the beam search pushes and pops once per visited node, and array
/// bounds and uniqueness checks were a measurable share of that.
struct ScoreHeap: ~Copyable {
    private var rows: UnsafeMutablePointer<Int32>
    private var scores: UnsafeMutablePointer<Float>
    private var capacity: Int
    private(set) var count = 0
    let maxFirst: Bool

    init(maxFirst: Bool, capacity: Int = 256) {
        self.maxFirst = maxFirst
        self.capacity = max(16, capacity)
        rows = .allocate(capacity: self.capacity)
        scores = .allocate(capacity: self.capacity)
    }

    deinit {
        rows.deallocate()
        scores.deallocate()
    }

    var top: (Int32, Float)? { count == 0 ? nil : (rows[0], scores[0]) }
    /// The score at the top; only when `count > 0`.
    var topScore: Float { scores[0] }

    @inline(__always)
    private func before(_ a: Float, _ b: Float) -> Bool { maxFirst ? a > b : a < b }

    private mutating func grow() {
        let larger = capacity * 2
        let newRows = UnsafeMutablePointer<Int32>.allocate(capacity: larger)
        let newScores = UnsafeMutablePointer<Float>.allocate(capacity: larger)
        newRows.update(from: rows, count: count)
        newScores.update(from: scores, count: count)
        rows.deallocate()
        scores.deallocate()
        rows = newRows
        scores = newScores
        capacity = larger
    }

    @inline(__always)
    mutating func push(_ row: Int32, _ score: Float) {
        if count == capacity { grow() }
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard before(score, scores[parent]) else { break }
            rows[child] = rows[parent]
            scores[child] = scores[parent]
            child = parent
        }
        rows[child] = row
        scores[child] = score
    }

    @inline(__always)
    mutating func pop() -> (Int32, Float)? {
        guard count > 0 else { return nil }
        let first = (rows[0], scores[0])
        count -= 1
        guard count > 0 else { return first }
        let lastRow = rows[count], lastScore = scores[count]
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            var best = left
            let right = left + 1
            if right < count && before(scores[right], scores[left]) { best = right }
            guard before(scores[best], lastScore) else { break }
            rows[parent] = rows[best]
            scores[parent] = scores[best]
            parent = best
        }
        rows[parent] = lastRow
        scores[parent] = lastScore
        return first
    }
}

/// A visited set with generation stamps, reused across searches (clearing is O(1)). The
/// stamps are a raw buffer (pooled), read and written without bounds checks: rows are always
/// below the capacity it was acquired with.
final class VisitedSet: @unchecked Sendable {
    // @unchecked Sendable: one search owns a set between `acquire` and `release`.
    private var stamps: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    private var generation: UInt32 = 0

    private static let pool = Mutex<[VisitedSet]>([])

    private init(capacity: Int) {
        self.capacity = capacity
        stamps = .allocate(capacity: capacity)
        stamps.initialize(repeating: 0, count: capacity)
    }

    deinit { stamps.deallocate() }

    static func acquire(capacity: Int) -> VisitedSet {
        let set = pool.withLock { $0.popLast() } ?? VisitedSet(capacity: max(capacity, 1))
        if set.capacity < capacity {
            let larger = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
            larger.initialize(repeating: 0, count: capacity)
            larger.update(from: set.stamps, count: set.capacity)
            set.stamps.deallocate()
            set.stamps = larger
            set.capacity = capacity
        }
        set.generation &+= 1
        if set.generation == 0 {
            set.stamps.update(repeating: 0, count: set.capacity)
            set.generation = 1
        }
        return set
    }

    static func release(_ set: VisitedSet) {
        pool.withLock { if $0.count < 16 { $0.append(set) } }
    }

    /// Marks `row`; false when it was already marked.
    @inline(__always)
    func insert(_ row: Int32) -> Bool {
        let slot = stamps + Int(row)
        if slot.pointee == generation { return false }
        slot.pointee = generation
        return true
    }
}
