internal import JSON
public import Postgres
internal import Synchronization

/// One vector space for personalisation: item vectors v_i of one model version (matrix
/// factorisation factors, or text embeddings) and the users' vectors h_u in the same space.
/// The personal score is σ(h_u·v_i).
public final class PersonalModel: Sendable {
    public enum Kind: String, Sendable {
        case factors = "mf_factors"
        case textEmbedding = "text_embedding"
    }

    public let version: String
    public let kind: Kind
    public let items: VectorIndex
    /// Users' vectors kept in memory, and counts of evictions in 1,024 buckets by user: a
    /// vector read from the database is kept only if no eviction in its user's bucket happened
    /// while it was read, so a change committed meanwhile (and announced on
    /// `user_vectors_changed`) never leaves a stale copy here, while other users' changes
    /// rarely stop it from being kept.
    private let users = Mutex<(vectors: [String: [Float]], evictions: [UInt64])>(([:], [UInt64](repeating: 0, count: 1_024)))

    private static func bucket(_ userID: String) -> Int {
        var hasher = Hasher()
        hasher.combine(userID)
        return Int(UInt(bitPattern: hasher.finalize()) % 1_024)
    }
    /// Users kept in memory; past it the cache starts over (the database has them all).
    static let userCacheLimit = 200_000

    public init(version: String, kind: Kind, items: VectorIndex) {
        self.version = version
        self.kind = kind
        self.items = items
    }

    public var dimensions: Int { items.dimensions }

    /// The user's vector: from the cache, else from PostgreSQL; nil when the user has none.
    func userVector(_ userID: String, _ connection: PostgresConnection) throws -> [Float]? {
        let bucket = Self.bucket(userID)
        let (cached, evictions) = users.withLock { ($0.vectors[userID], $0.evictions[bucket]) }
        if let cached { return cached }
        let row = try connection.query(
            "SELECT vector FROM user_vectors WHERE user_id = $1 AND model_version = $2", [.text(userID), .text(version)]
        ).first
        guard let vector = row?["vector"].flatMap(VectorMath.floats(byteaHex:)), vector.count == dimensions else { return nil }
        remember(userID, vector, unlessEvictedSince: evictions)
        return vector
    }

    func cachedUserVector(_ userID: String) -> [Float]? { users.withLock { $0.vectors[userID] } }

    /// The eviction count of the user's bucket (what `remember` compares with).
    func evictions(of userID: String) -> UInt64 {
        let bucket = Self.bucket(userID)
        return users.withLock { $0.evictions[bucket] }
    }

    /// Keeps the user's vector, unless an eviction in their bucket happened since `evictions`
    /// was read: then no copy is kept at all (an older one may be there), and the next read
    /// goes to PostgreSQL.
    func remember(_ userID: String, _ vector: [Float], unlessEvictedSince evictions: UInt64) {
        let bucket = Self.bucket(userID)
        users.withLock { cache in
            guard cache.evictions[bucket] == evictions else {
                cache.vectors.removeValue(forKey: userID)
                return
            }
            if cache.vectors.count >= Self.userCacheLimit { cache.vectors.removeAll(keepingCapacity: true) }
            cache.vectors[userID] = vector
        }
    }

    func forget(_ userID: String) {
        let bucket = Self.bucket(userID)
        users.withLock { cache in
            cache.vectors.removeValue(forKey: userID)
            cache.evictions[bucket] &+= 1
        }
    }

    func forgetAllUsers() {
        users.withLock { cache in
            cache.vectors.removeAll()
            for index in cache.evictions.indices { cache.evictions[index] &+= 1 }
        }
    }
}

/// The active personal models (at most one per kind) and the online update.
public final class PersonalModels: Sendable {
    private let active = Mutex<[PersonalModel]>([])
    public let settings: OnlineUpdate.Settings
    /// Items with label 0 sampled per event, so h_u learns what the user did not pick too.
    static let negativesPerEvent = 3

    public init(settings: OnlineUpdate.Settings = OnlineUpdate.Settings()) {
        self.settings = settings
    }

    public var models: [PersonalModel] { active.withLock { $0 } }

    /// The active matrix-factorisation version, if any (reported as model_version).
    public var versionDescription: String {
        let names = models.map(\.version)
        return names.isEmpty ? "bm25-v1" : (["bm25-v1"] + names).joined(separator: "+")
    }

    public func replace(_ models: [PersonalModel]) { active.withLock { $0 = models } }

    /// Loads every active model version and its item vectors from PostgreSQL.
    public static func load(_ connection: PostgresConnection) throws -> [PersonalModel] {
        var result: [PersonalModel] = []
        for row in try connection.query("SELECT version, kind, dims FROM model_versions WHERE is_active ORDER BY kind") {
            guard let version = row["version"], let kind = row["kind"].flatMap(PersonalModel.Kind.init(rawValue:)),
                let dims = row.int("dims"), dims > 0
            else { continue }
            let table = kind == .factors ? "item_factors" : "item_embeddings"
            var parameters = VectorIndex.Parameters()
            parameters.seed = 7
            let index = VectorIndex(dimensions: dims, parameters: parameters)
            // Pages of 5,000 (the hex text of 100k vectors at once would be 300 MB).
            var last: Int64 = 0
            while true {
                // table is one of two constants above, never input.
                let vectors = try connection.query(
                    "SELECT v.product_id, v.vector FROM \(table) v JOIN products p ON p.id = v.product_id "
                        + "WHERE v.model_version = $1 AND p.deleted_at IS NULL AND v.product_id > $2 ORDER BY v.product_id LIMIT 5000",
                    [.text(version), .int(last)])
                index.add(VectorMath.itemVectors(vectors, dimensions: dims))
                last = vectors.last.flatMap { Int64($0["product_id"] ?? "") } ?? last
                if vectors.count < 5000 { break }
            }
            result.append(PersonalModel(version: version, kind: kind, items: index))
        }
        return result
    }

    /// σ(h_u·v_i) for each product the user and the item have vectors for, preferring matrix
    /// factors (learned from behaviour) over text embeddings.
    public func personalScorer(userID: String, _ connection: PostgresConnection) throws -> (@Sendable (Int64) -> Float?)? {
        var spaces: [(PersonalModel, [Float])] = []
        for model in models.sorted(by: { $0.kind == .factors && $1.kind != .factors }) {
            if let vector = try model.userVector(userID, connection) { spaces.append((model, vector)) }
        }
        guard !spaces.isEmpty else { return nil }
        let found = spaces
        return { productID in
            for (model, user) in found {
                if let score = model.items.scores(user, ids: [productID])[0] { return VectorMath.sigmoid(score) }
            }
            return nil
        }
    }

    /// Stores an event (`EventStore.record`) and, unless it is a duplicate, takes its online
    /// step, in the caller's transaction: RecordEvent, and the purchases and returns that
    /// Checkout and RequestReturn record. The caller drops its replica's cached vectors of
    /// the user once committed (`forget`); the others hear `user_vectors_changed`.
    func record(_ event: EventStore.NewEvent, _ connection: PostgresConnection) throws -> (id: Int64, duplicate: Bool) {
        let (id, duplicate) = try EventStore.record(event, connection)
        if !duplicate, let userID = event.userID {
            try step(userID: userID, productID: event.productID, type: event.type, eventID: id, connection)
        }
        return (id, duplicate)
    }

    /// The online step of every active model for one stored event, in the event's transaction:
    /// h_u moves towards the item (label 1) and away from a few sampled items (label 0), or
    /// for a return away from the item.
    private func step(userID: String, productID: Int64, type: String, eventID: Int64, _ connection: PostgresConnection) throws {
        let weight = OnlineUpdate.weight(of: type)
        guard weight > 0 else { return }
        var stepped = false
        for model in models {
            guard let item = model.items.vector(of: productID) else { continue }
            let stored = try connection.query(
                "SELECT vector FROM user_vectors WHERE user_id = $1 AND model_version = $2 FOR UPDATE",
                [.text(userID), .text(model.version)]
            ).first?["vector"].flatMap(VectorMath.floats(byteaHex:))
            let h = stored?.count == model.dimensions ? stored! : [Float](repeating: 0, count: model.dimensions)
            let label = OnlineUpdate.label(of: type)
            var observations: [(item: [Float], label: Float, weight: Float)] = [(item, label, weight)]
            // An interaction also learns from a few items the user did not pick; a return is
            // itself the negative.
            if label > 0 {
                for negative in model.items.sampleVectors(count: Self.negativesPerEvent, seed: UInt64(bitPattern: eventID), excluding: productID) {
                    observations.append((negative, 0, weight * 0.5))
                }
            }
            let vector = OnlineUpdate.step(user: h, observations: observations, settings: settings)
            try connection.query(
                """
                INSERT INTO user_vectors (user_id, model_version, dims, vector, online_steps) VALUES ($1, $2, $3, $4, 1)
                ON CONFLICT (user_id, model_version) DO UPDATE
                   SET vector = EXCLUDED.vector, online_steps = user_vectors.online_steps + 1, updated_at = now()
                """, [.text(userID), .text(model.version), .int(Int64(model.dimensions)), .bytes(VectorMath.bytes(vector))])
            stepped = true
        }
        if stepped { try Self.announceChange(of: userID, connection) }
    }

    /// Tells every replica, at commit, that the user's vectors changed or are gone: each drops
    /// its cached copy (`CatalogSync` listens on `user_vectors_changed`; the payload is the
    /// pseudonymous user id).
    static func announceChange(of userID: String, _ connection: PostgresConnection) throws {
        try connection.query("SELECT pg_notify('user_vectors_changed', $1)", [.text(userID)])
    }

    /// Drops the user's cached vectors (each model then reads them from PostgreSQL again).
    public func forget(_ userID: String) { for model in models { model.forget(userID) } }

    /// Drops every cached user vector: what was announced while nobody listened is unknown.
    public func forgetAllUsers() { for model in models { model.forgetAllUsers() } }

}

extension VectorIndex {
    /// Up to `count` vectors picked pseudo-randomly under `seed` (never `excluding`).
    func sampleVectors(count: Int, seed: UInt64, excluding: Int64) -> [[Float]] {
        let ids = sampleIDs(count: count + 1, seed: seed).filter { $0 != excluding }.prefix(count)
        return ids.compactMap(vector(of:))
    }
}
