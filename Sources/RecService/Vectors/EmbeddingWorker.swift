internal import Dispatch
internal import Glibc
internal import JSON
public import Postgres
internal import Embeddings
public import ServiceRuntime
internal import Synchronization

/// Keeps item_embeddings in step with the catalog: encodes products that have no text vector
/// yet, or whose text changed, in batches, and tells every replica through
/// `NOTIFY embeddings_changed`. One replica works at a time (a PostgreSQL advisory lock);
/// the others wait. Imports are not slowed down: their rows are embedded afterwards, and
/// search uses the lexical index for a product until its vector arrives.
public final class EmbeddingWorker: Service {
    static let lockKey: Int64 = 7_365_001
    public static let batchSize = 128

    private let conninfo: String
    private let embeddings: TextEmbeddings
    private let logger: Logger
    private let threads: Int
    private let stopped = Atomic<Bool>(false)
    private let counters = Mutex<(embedded: Int, seconds: Double)>((0, 0))

    /// - Parameter threads: encoder threads per batch.
    public init(conninfo: String, embeddings: TextEmbeddings, logger: Logger, threads: Int = 1) {
        self.conninfo = conninfo
        self.embeddings = embeddings
        self.logger = logger
        self.threads = max(1, threads)
    }

    /// Products embedded since start, and the encoder time they took.
    public var statistics: (embedded: Int, seconds: Double) { counters.withLock { $0 } }

    public func run() async throws {
        let done = ShutdownSignal()
        DispatchQueue(label: "voiceshop.embedding-worker").async { [self] in
            loop()
            done.trigger()
        }
        await withTaskCancellationHandler {
            await done.wait()
        } onCancel: {
            stopped.store(true, ordering: .relaxed)
        }
    }

    /// Embeds everything stale once, on `connection` (for `rec-svc embed` and tests).
    /// - Returns: the number of products encoded.
    @discardableResult
    public func embedPending(_ connection: PostgresConnection) throws -> Int {
        try Self.ensureModelVersion(connection, dimensions: embeddings.dimensions)
        var total = 0
        while !stopped.load(ordering: .relaxed) {
            let count = try embedBatch(connection)
            if count < 0 { break }
            total += count
        }
        return total
    }

    private func loop() {
        var backoff: Int32 = 200
        while !stopped.load(ordering: .relaxed) {
            do {
                let connection = try PostgresConnection(conninfo: conninfo)
                try Self.ensureModelVersion(connection, dimensions: embeddings.dimensions)
                try connection.listen("catalog_changed")
                backoff = 200
                while !stopped.load(ordering: .relaxed) {
                    let locked = try connection.query("SELECT pg_try_advisory_lock($1) AS ok", [.int(Self.lockKey)]).first?["ok"] == "t"
                    if locked {
                        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [.int(Self.lockKey)]) }
                        while !stopped.load(ordering: .relaxed), try embedBatch(connection) >= 0 {}
                    }
                    // Wait for catalog changes (or look again in a while: another replica may
                    // have died holding the lock).
                    _ = try connection.waitForNotifications(timeoutMilliseconds: 2_000)
                }
            } catch {
                guard !stopped.load(ordering: .relaxed) else { break }
                logger.warning("embedding worker: database unreachable; retrying", ["error": "\(error)", "retry_ms": Int(backoff)])
                var slept: Int32 = 0
                while slept < backoff && !stopped.load(ordering: .relaxed) {
                    usleep(50_000)
                    slept += 50
                }
                backoff = min(backoff * 2, 5_000)
            }
        }
    }

    /// One batch. - Returns: how many products were encoded, or -1 when nothing was stale.
    private func embedBatch(_ connection: PostgresConnection) throws -> Int {
        let rows = try connection.query(
            """
            SELECT p.id, p.title, p.brand, p.category, p.updated_at::text AS updated, e.text_hash
              FROM products p
              LEFT JOIN item_embeddings e ON e.product_id = p.id AND e.model_version = $1
             WHERE p.deleted_at IS NULL AND (e.product_id IS NULL OR e.updated_at < p.updated_at)
             ORDER BY p.id LIMIT $2
            """, [.text(TextEmbeddings.version), .int(Int64(Self.batchSize))])
        guard !rows.isEmpty else { return -1 }
        var toEncode: [(id: Int64, text: String, hash: String, updated: String)] = []
        var unchanged: [(id: Int64, hash: String, updated: String)] = []
        for row in rows {
            guard let id = Int64(row["id"] ?? ""), let updated = row["updated"] else { continue }
            let text = TextEmbeddings.productText(title: row["title"] ?? "", brand: row["brand"] ?? "", category: row["category"] ?? "")
            let hash = TextEmbeddings.textHash(text)
            if row["text_hash"] == hash { unchanged.append((id, hash, updated)) } else { toEncode.append((id, text, hash, updated)) }
        }
        let start = ContinuousClock.now
        let vectors = toEncode.isEmpty ? [] : embeddings.encoder.encode(batch: toEncode.map(\.text), threads: threads)
        let seconds = Double((ContinuousClock.now - start) / .microseconds(1)) / 1e6
        try connection.execute("BEGIN")
        do {
            if !toEncode.isEmpty {
                // The batch in one COPY into a session's temporary table (emptied at commit),
                // then one upsert. updated_at is the product's own, as read: a change made
                // while we encoded is newer, so the product is picked up again.
                try connection.execute(
                    """
                    CREATE TEMPORARY TABLE IF NOT EXISTS embedding_rows
                        (product_id bigint, dims integer, vector bytea, text_hash text, updated_at timestamptz) ON COMMIT DELETE ROWS
                    """)
                let e = PostgresConnection.copyEscape
                try connection.copyIn(
                    "COPY embedding_rows FROM STDIN",
                    lines: zip(toEncode, vectors).lazy.map { item, vector in
                        "\(item.id)\t\(vector.count)\t" + e(VectorMath.byteaHex(vector)) + "\t" + e(item.hash) + "\t" + e(item.updated)
                    })
                try connection.query(
                    """
                    INSERT INTO item_embeddings (product_id, model_version, dims, vector, text_hash, updated_at)
                    SELECT product_id, $1, dims, vector, text_hash, updated_at FROM embedding_rows
                    ON CONFLICT (product_id, model_version) DO UPDATE
                       SET vector = EXCLUDED.vector, dims = EXCLUDED.dims, text_hash = EXCLUDED.text_hash,
                           updated_at = EXCLUDED.updated_at
                    """, [.text(TextEmbeddings.version)])
            }
            for item in unchanged {
                try connection.query(
                    // Only if its text hash is still the one read: a reindex may have marked it
                    // stale meanwhile.
                    "UPDATE item_embeddings SET updated_at = $3::timestamptz WHERE product_id = $1 AND model_version = $2 AND text_hash = $4",
                    [.int(item.id), .text(TextEmbeddings.version), .text(item.updated), .text(item.hash)])
            }
            if !toEncode.isEmpty {
                try connection.query(
                    "SELECT pg_notify('embeddings_changed', $1)",
                    [.text(JSONValue.object(["ids": .array(toEncode.map { JSONValue($0.id) })]).serialized())])
            }
            try connection.execute("COMMIT")
        } catch {
            if connection.isHealthy { try? connection.execute("ROLLBACK") }
            throw error
        }
        counters.withLock {
            $0.embedded += toEncode.count
            $0.seconds += seconds
        }
        if !toEncode.isEmpty {
            logger.debug("products embedded", ["count": toEncode.count, "ms": Int(seconds * 1000)])
        }
        return toEncode.count
    }

    /// Creates the text_embedding model version, active when no other is.
    static func ensureModelVersion(_ connection: PostgresConnection, dimensions: Int) throws {
        let inserted = try connection.query(
            """
            INSERT INTO model_versions (version, kind, dims, is_active, activated_at, params)
            SELECT $1, 'text_embedding', $2, true, now(), '{"model": "sentence-transformers/all-MiniLM-L6-v2", "pooling": "mean", "normalized": true}'::jsonb
             WHERE NOT EXISTS (SELECT 1 FROM model_versions WHERE kind = 'text_embedding' AND is_active)
            ON CONFLICT (version) DO NOTHING
            RETURNING version
            """, [.text(TextEmbeddings.version), .int(Int64(dimensions))])
        if !inserted.isEmpty { try connection.query("SELECT pg_notify('model_changed', $1)", [.text(TextEmbeddings.version)]) }
    }
}
