/// Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren and
/// Volinsky, 2008), in the formulation of the `implicit` library so the two compare like for
/// like: an observed (user, item) cell has preference 1 and confidence `alpha · value`, every
/// unobserved cell preference 0 and weight 1. Each half-step solves, per user u,
///
///     (YᵀY + Σ_{i∈I_u} (c_ui − 1)·y_i·y_iᵀ + λI)·x_u = Σ_{i∈I_u} c_ui·y_i
///
/// by a few conjugate-gradient steps warm-started from the previous x_u (or exactly, by
/// Cholesky, when `cgSteps` is 0), and the same for items. Deterministic under `seed`.
public struct ALSTrainer: Sendable {
    public struct Settings: Hashable, Sendable {
        public var factors = 64
        public var regularization: Float = 0.01
        public var iterations = 30
        public var alpha: Float = 1
        /// Conjugate-gradient steps per solve; 0 solves exactly (Cholesky).
        public var cgSteps = 3
        public var seed: UInt64 = 0

        public init() {}
    }

    /// The learned factors: `users[u * factors ..< (u + 1) * factors]`, and the same for items.
    public struct Model: Sendable {
        public var factors: Int
        public var users: [Float]
        public var items: [Float]
        public var userCount: Int { users.count / max(factors, 1) }
        public var itemCount: Int { items.count / max(factors, 1) }

        public func user(_ u: Int) -> ArraySlice<Float> { users[(u * factors)..<((u + 1) * factors)] }
        public func item(_ i: Int) -> ArraySlice<Float> { items[(i * factors)..<((i + 1) * factors)] }

        /// The score of every item for user `u`.
        public func scores(user u: Int) -> [Float] {
            users.withUnsafeBufferPointer { us in
                items.withUnsafeBufferPointer { its in
                    (0..<itemCount).map { VectorMath.dot(us.baseAddress! + u * factors, its.baseAddress! + $0 * factors, factors) }
                }
            }
        }
    }

    /// A sparse user × item matrix of interaction values (compressed rows).
    public struct Interactions: Sendable {
        public let userCount: Int
        public let itemCount: Int
        let rowStart: [Int]
        let columns: [Int32]
        let values: [Float]

        /// Builds the matrix; repeated (user, item) pairs add up.
        public init(userCount: Int, itemCount: Int, entries: [(user: Int, item: Int, value: Float)]) {
            self.userCount = userCount
            self.itemCount = itemCount
            var rows = [[Int32: Float]](repeating: [:], count: userCount)
            for entry in entries { rows[entry.user][Int32(entry.item), default: 0] += entry.value }
            var rowStart = [0]
            var columns: [Int32] = []
            var values: [Float] = []
            for row in rows {
                for (column, value) in row.sorted(by: { $0.key < $1.key }) {
                    columns.append(column)
                    values.append(value)
                }
                rowStart.append(columns.count)
            }
            self.rowStart = rowStart
            self.columns = columns
            self.values = values
        }

        init(userCount: Int, itemCount: Int, rowStart: [Int], columns: [Int32], values: [Float]) {
            self.userCount = userCount
            self.itemCount = itemCount
            self.rowStart = rowStart
            self.columns = columns
            self.values = values
        }

        /// The transpose (items × users).
        var transposed: Interactions {
            var counts = [Int](repeating: 0, count: itemCount + 1)
            for column in columns { counts[Int(column) + 1] += 1 }
            for index in 1..<counts.count { counts[index] += counts[index - 1] }
            var next = counts
            var newColumns = [Int32](repeating: 0, count: columns.count)
            var newValues = [Float](repeating: 0, count: values.count)
            for row in 0..<userCount {
                for position in rowStart[row]..<rowStart[row + 1] {
                    let column = Int(columns[position])
                    newColumns[next[column]] = Int32(row)
                    newValues[next[column]] = values[position]
                    next[column] += 1
                }
            }
            return Interactions(userCount: itemCount, itemCount: userCount, rowStart: counts, columns: newColumns, values: newValues)
        }

        /// The items of user `u`.
        public func items(of u: Int) -> ArraySlice<Int32> { columns[rowStart[u]..<rowStart[u + 1]] }

        public var count: Int { values.count }
    }

    public var settings: Settings

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public func train(_ interactions: Interactions) -> Model {
        let f = settings.factors
        var random = settings.seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            random ^= random >> 12
            random ^= random << 25
            random ^= random >> 27
            let value = random &* 2_685_821_657_736_338_717
            return Float(Double(value >> 40) / Double(1 << 24))
        }
        // Small random starts, like implicit's (rand − 0.5) / factors … scaled.
        var users = (0..<(interactions.userCount * f)).map { _ in (next() - 0.5) * 0.01 }
        var items = (0..<(interactions.itemCount * f)).map { _ in (next() - 0.5) * 0.01 }
        let itemsByUser = interactions
        let usersByItem = interactions.transposed
        for _ in 0..<settings.iterations {
            solve(&users, fixed: items, rows: itemsByUser)
            solve(&items, fixed: users, rows: usersByItem)
        }
        return Model(factors: f, users: users, items: items)
    }

    /// One half-step: re-solves every row of `target` against the `fixed` factors.
    private func solve(_ target: inout [Float], fixed: [Float], rows: Interactions) {
        let f = settings.factors
        let λ = settings.regularization
        let alpha = settings.alpha
        // The Gram matrix YᵀY + λI, shared by every row.
        var gram = [Float](repeating: 0, count: f * f)
        fixed.withUnsafeBufferPointer { y in
            let count = fixed.count / f
            for row in 0..<count {
                let base = y.baseAddress! + row * f
                for a in 0..<f {
                    let ya = base[a]
                    if ya == 0 { continue }
                    for b in a..<f { gram[a * f + b] += ya * base[b] }
                }
            }
        }
        for a in 0..<f {
            for b in 0..<a { gram[a * f + b] = gram[b * f + a] }
            gram[a * f + a] += λ
        }
        var r = [Float](repeating: 0, count: f), p = [Float](repeating: 0, count: f), ap = [Float](repeating: 0, count: f)
        var x = [Float](repeating: 0, count: f)
        fixed.withUnsafeBufferPointer { yBuffer in
            let y = yBuffer.baseAddress!
            gram.withUnsafeBufferPointer { gBuffer in
                let g = gBuffer.baseAddress!
                // A·v = gram·v + Σ_i (c_i − 1)(y_i·v) y_i
                func multiply(_ v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, row: Int) {
                    for a in 0..<f { out[a] = VectorMath.dot(g + a * f, v, f) }
                    for position in rows.rowStart[row]..<rows.rowStart[row + 1] {
                        let yi = y + Int(rows.columns[position]) * f
                        let c = alpha * rows.values[position]
                        let scale = (c - 1) * VectorMath.dot(yi, v, f)
                        if scale != 0 { for a in 0..<f { out[a] += scale * yi[a] } }
                    }
                }
                for row in 0..<rows.userCount {
                    for a in 0..<f { x[a] = target[row * f + a] }
                    x.withUnsafeMutableBufferPointer { xb in
                        r.withUnsafeMutableBufferPointer { rb in
                            p.withUnsafeMutableBufferPointer { pb in
                                ap.withUnsafeMutableBufferPointer { apb in
                                    let x = xb.baseAddress!, r = rb.baseAddress!, p = pb.baseAddress!, ap = apb.baseAddress!
                                    if settings.cgSteps == 0 {
                                        exactSolve(row: row, rows: rows, y: y, g: g, into: x)
                                        return
                                    }
                                    // r = b − A·x, with b = Σ c_i y_i
                                    multiply(x, into: ap, row: row)
                                    for a in 0..<f { r[a] = -ap[a] }
                                    for position in rows.rowStart[row]..<rows.rowStart[row + 1] {
                                        let yi = y + Int(rows.columns[position]) * f
                                        let c = alpha * rows.values[position]
                                        for a in 0..<f { r[a] += c * yi[a] }
                                    }
                                    for a in 0..<f { p[a] = r[a] }
                                    var rsOld = VectorMath.dot(r, r, f)
                                    for _ in 0..<settings.cgSteps {
                                        if rsOld < 1e-20 { break }
                                        multiply(p, into: ap, row: row)
                                        let step = rsOld / VectorMath.dot(p, ap, f)
                                        for a in 0..<f {
                                            x[a] += step * p[a]
                                            r[a] -= step * ap[a]
                                        }
                                        let rsNew = VectorMath.dot(r, r, f)
                                        for a in 0..<f { p[a] = r[a] + rsNew / rsOld * p[a] }
                                        rsOld = rsNew
                                    }
                                }
                            }
                        }
                    }
                    for a in 0..<f { target[row * f + a] = x[a] }
                }
            }
        }
    }

    /// Solves A·x = b exactly by Cholesky (f³/3 per row: for small models and checks).
    private func exactSolve(row: Int, rows: Interactions, y: UnsafePointer<Float>, g: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        let f = settings.factors
        var a = [Double](repeating: 0, count: f * f)
        var b = [Double](repeating: 0, count: f)
        for i in 0..<(f * f) { a[i] = Double(g[i]) }
        for position in rows.rowStart[row]..<rows.rowStart[row + 1] {
            let yi = y + Int(rows.columns[position]) * f
            let c = Double(settings.alpha * rows.values[position])
            for i in 0..<f {
                b[i] += c * Double(yi[i])
                for j in 0..<f { a[i * f + j] += (c - 1) * Double(yi[i]) * Double(yi[j]) }
            }
        }
        // Cholesky A = L·Lᵀ, in place in the lower triangle.
        for j in 0..<f {
            var sum = a[j * f + j]
            for k in 0..<j { sum -= a[j * f + k] * a[j * f + k] }
            let diagonal = sum > 1e-12 ? sum.squareRoot() : 1e-6
            a[j * f + j] = diagonal
            for i in (j + 1)..<f {
                var s = a[i * f + j]
                for k in 0..<j { s -= a[i * f + k] * a[j * f + k] }
                a[i * f + j] = s / diagonal
            }
        }
        var z = [Double](repeating: 0, count: f)
        for i in 0..<f {
            var s = b[i]
            for k in 0..<i { s -= a[i * f + k] * z[k] }
            z[i] = s / a[i * f + i]
        }
        for i in stride(from: f - 1, through: 0, by: -1) {
            var s = z[i]
            for k in (i + 1)..<f { s -= a[k * f + i] * Double(x[k]) }
            x[i] = Float(s / a[i * f + i])
        }
    }
}
