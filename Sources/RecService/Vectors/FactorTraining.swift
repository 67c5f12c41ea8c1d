internal import JSON
internal import Postgres
public import ServiceRuntime

/// Offline training of the matrix-factorisation model from the event history
/// (`rec-svc train`): ALS on user × product interaction strengths, written as a new
/// `mf_factors` version with its item factors and user vectors, then activated in one
/// transaction. Running replicas hear NOTIFY model_changed and swap the model in without
/// downtime; the previous version stays until two newer ones exist.
public enum FactorTraining {
    public struct Outcome: Sendable {
        public var version: String
        public var users: Int
        public var items: Int
        public var interactions: Int
        public var seconds: Double
    }

    /// How much each event type says about a user's taste (returns say "not for me").
    static let strength: [String: Float] = ["view": 0.3, "click": 1, "add_to_cart": 3, "purchase": 5, "return": -3]

    public static func train(
        conninfo: String, settings: ALSTrainer.Settings = ALSTrainer.Settings(), logger: Logger
    ) async throws -> Outcome {
        let pool = PostgresPool(conninfo: conninfo, size: 1, label: "train")
        let start = ContinuousClock.now
        let rows = try await pool.query(
            """
            SELECT e.user_id, e.product_id, e.type, count(*)::int AS n
              FROM events e JOIN products p ON p.id = e.product_id
             WHERE e.user_id IS NOT NULL AND p.deleted_at IS NULL
             GROUP BY 1, 2, 3
            """)
        var userIndex: [String: Int] = [:], itemIndex: [Int64: Int] = [:]
        var users: [String] = [], items: [Int64] = []
        var totals: [Int64: Float] = [:]  // (user << 32 | item) → strength
        for row in rows {
            guard let user = row["user_id"], let product = Int64(row["product_id"] ?? ""),
                let weight = strength[row["type"] ?? ""], let count = row.int("n")
            else { continue }
            let u = userIndex[user] ?? { users.append(user); userIndex[user] = users.count - 1; return users.count - 1 }()
            let i = itemIndex[product] ?? { items.append(product); itemIndex[product] = items.count - 1; return items.count - 1 }()
            totals[Int64(u) << 32 | Int64(i), default: 0] += weight * Float(count)
        }
        let entries = totals.compactMap { key, value -> (user: Int, item: Int, value: Float)? in
            value > 0 ? (Int(key >> 32), Int(key & 0xFFFF_FFFF), value) : nil
        }
        guard !entries.isEmpty else {
            throw PostgresError(code: .query, message: "no user events to learn from: record some events first")
        }
        let interactions = ALSTrainer.Interactions(userCount: users.count, itemCount: items.count, entries: entries)
        // CPU-bound for seconds: on the pool's own thread, not on Swift's cooperative pool.
        let model = try await pool.withConnection { _ in ALSTrainer(settings: settings).train(interactions) }
        let trainedAt = ContinuousClock.now
        let version = try await pool.query("SELECT 'mf-' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISSMS') AS v")
            .first?["v"] ?? "mf-unknown"
        let f = settings.factors
        let params = JSONValue.object([
            "algorithm": "als", "factors": JSONValue(f), "regularization": JSONValue(Double(settings.regularization))!,
            "iterations": JSONValue(settings.iterations), "alpha": JSONValue(Double(settings.alpha))!,
            "cg_steps": JSONValue(settings.cgSteps), "seed": JSONValue(Int(settings.seed)),
        ]).serialized()
        let metrics = JSONValue.object([
            "users": JSONValue(users.count), "items": JSONValue(items.count), "interactions": JSONValue(entries.count),
            "train_seconds": JSONValue(Double((trainedAt - start) / .milliseconds(1)) / 1000)!,
        ]).serialized()
        let userNames = users, itemIDs = items
        try await pool.withTransaction { connection in
            try connection.query(
                "INSERT INTO model_versions (version, kind, dims, params, metrics) VALUES ($1, 'mf_factors', $2, $3::jsonb, $4::jsonb)",
                [.text(version), .int(Int64(f)), .text(params), .text(metrics)])
            let e = PostgresConnection.copyEscape
            try connection.copyIn(
                "COPY item_factors (product_id, model_version, dims, vector) FROM STDIN",
                lines: itemIDs.indices.lazy.map { i in
                    "\(itemIDs[i])\t\(e(version))\t\(f)\t" + e(VectorMath.byteaHex(Array(model.item(i))))
                })
            try connection.copyIn(
                "COPY user_vectors (user_id, model_version, dims, vector) FROM STDIN",
                lines: userNames.indices.lazy.map { u in
                    "\(e(userNames[u]))\t\(e(version))\t\(f)\t" + e(VectorMath.byteaHex(Array(model.user(u))))
                })
            // Swap: deactivate the old version first (the unique index is checked per row).
            try connection.query("UPDATE model_versions SET is_active = false WHERE kind = 'mf_factors' AND is_active")
            try connection.query("UPDATE model_versions SET is_active = true, activated_at = now() WHERE version = $1", [.text(version)])
            try connection.query(
                """
                DELETE FROM model_versions WHERE kind = 'mf_factors' AND NOT is_active AND version NOT IN
                    (SELECT version FROM model_versions WHERE kind = 'mf_factors' ORDER BY created_at DESC LIMIT 2)
                """)
            try connection.query(
                "INSERT INTO audit_log (actor, action, subject, details) VALUES ('rec-svc train', 'model.activate', $1, $2::jsonb)",
                [.text("model:\(version)"), .text(metrics)])
            try connection.query("SELECT pg_notify('model_changed', $1)", [.text(version)])
        }
        let outcome = Outcome(
            version: version, users: users.count, items: items.count, interactions: entries.count,
            seconds: Double((trainedAt - start) / .milliseconds(1)) / 1000)
        logger.info(
            "model trained and activated",
            ["version": version, "users": outcome.users, "items": outcome.items, "interactions": outcome.interactions, "seconds": outcome.seconds])
        return outcome
    }

}
