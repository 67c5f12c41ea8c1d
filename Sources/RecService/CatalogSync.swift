internal import Dispatch
internal import Glibc
internal import JSON
internal import Postgres
public import ServiceRuntime
internal import Synchronization

/// Keeps the in-memory index in step with PostgreSQL and reports whether rec-svc can serve.
///
/// At start it loads the catalog, the popularity counts and the active personal models. It
/// then listens on the `catalog_changed` channel (0001_catalog.sql) and on `model_changed`
/// (sent by `rec-svc train` when it activates a version) on a connection of its own, and
/// applies each change. When that connection breaks (PostgreSQL restarted or went away) it reports
/// NOT_SERVING, reconnects with exponential backoff (100 ms doubling to 5 s), reloads
/// everything it may have missed, and reports SERVING again.
public final class CatalogSync: Service {
    private let conninfo: String
    private let runtime: RecRuntime
    private var index: CatalogIndex { runtime.index }
    private let logger: Logger
    private let onReadiness: @Sendable (Bool) -> Void
    private let stopped = Atomic<Bool>(false)
    private let modelLoads = Mutex<(generation: Int, loading: Bool, pendingEmbeddings: Set<Int64>)>((0, false, []))
    private let loaded = ShutdownSignal()
    /// When the listening connection last confirmed the index is in step with the database
    /// (every wait for notifications that returned without error).
    private let lastInStep = Mutex<ContinuousClock.Instant?>(nil)

    /// Seconds since the index was last known to be in step with PostgreSQL: at most about
    /// 0.25 s while the database is reachable, growing while it is not; `nil` before the
    /// first load.
    public var secondsSinceInStep: Double? {
        lastInStep.withLock { instant in
            instant.map { (ContinuousClock.now - $0).inSeconds }
        }
    }

    /// - Parameter onReadiness: called with true when the index is loaded and the database
    ///   reachable, false when the database went away.
    public init(
        conninfo: String, runtime: RecRuntime, logger: Logger, onReadiness: @escaping @Sendable (Bool) -> Void
    ) {
        self.conninfo = conninfo
        self.runtime = runtime
        self.logger = logger
        self.onReadiness = onReadiness
    }

    /// Waits until the first full load finished.
    public func waitUntilLoaded() async { await loaded.wait() }

    public func run() async throws {
        // The listener blocks in poll(): it runs on a thread of its own, not the cooperative pool.
        let done = ShutdownSignal()
        DispatchQueue(label: "voiceshop.catalog-sync").async { [self] in
            listenLoop()
            done.trigger()
        }
        await withTaskCancellationHandler {
            await done.wait()
        } onCancel: {
            stopped.store(true, ordering: .relaxed)
        }
    }

    private func listenLoop() {
        var backoffMilliseconds: Int32 = 100
        while !stopped.load(ordering: .relaxed) {
            do {
                let connection = try PostgresConnection(conninfo: conninfo)
                try connection.listen("catalog_changed")
                try connection.listen("model_changed")
                try connection.listen("embeddings_changed")
                try connection.listen("user_vectors_changed")
                // Changes to users' vectors announced while this replica was not listening
                // are unknown: its cached copies go.
                runtime.personal.forgetAllUsers()
                // LISTEN first, then load: a change committed in between is seen twice, never lost.
                try reloadAll(connection)
                backoffMilliseconds = 100
                onReadiness(true)
                loaded.trigger()
                lastInStep.withLock { $0 = .now }
                while !stopped.load(ordering: .relaxed) {
                    let notifications = try connection.waitForNotifications(timeoutMilliseconds: 250)
                    if !notifications.isEmpty { try apply(notifications, connection) }
                    lastInStep.withLock { $0 = .now }
                }
            } catch {
                guard !stopped.load(ordering: .relaxed) else { break }
                onReadiness(false)
                logger.warning("catalog database unreachable; retrying", ["error": "\(error)", "retry_ms": Int(backoffMilliseconds)])
                var slept: Int32 = 0
                while slept < backoffMilliseconds && !stopped.load(ordering: .relaxed) {
                    usleep(50_000)
                    slept += 50
                }
                backoffMilliseconds = min(backoffMilliseconds * 2, 5_000)
            }
        }
    }

    private func reloadAll(_ connection: PostgresConnection) throws {
        let start = ContinuousClock.now
        // The version first: the products read next are at least as new (a change in between
        // comes again as a notification, LISTEN being on already), so the label is never ahead.
        let versions = try CatalogStore.versions(connection)
        let products = try CatalogStore.allProducts(connection)
        index.rebuild(products)
        runtime.noteIndexed(vocabularyVersion: versions.vocabulary, catalogVersion: versions.catalog)
        index.setPopularity(try EventStore.popularity(connection))
        try reloadModels(connection)
        logger.info("catalog loaded", ["products": products.count, "ms": Int((ContinuousClock.now - start) / .milliseconds(1))])
    }

    /// Loads the active models on a connection and thread of their own: building the vector
    /// graph of 100k items takes a minute, and the service serves (lexically, without
    /// personal scores) meanwhile. A newer load supersedes an older one; embeddings that
    /// arrived while it ran are applied to the new models.
    private func reloadModels(_ connection: PostgresConnection) throws {
        let generation = modelLoads.withLock { state -> Int in
            state.generation += 1
            state.loading = true
            return state.generation
        }
        DispatchQueue(label: "voiceshop.model-load").async { [self] in
            do {
                let connection = try PostgresConnection(conninfo: conninfo)
                let start = ContinuousClock.now
                let models = try PersonalModels.load(connection)
                let pending = modelLoads.withLock { state -> [Int64]? in
                    guard state.generation == generation else { return nil }
                    state.loading = false
                    defer { state.pendingEmbeddings = [] }
                    return Array(state.pendingEmbeddings)
                }
                guard let pending else { return }  // superseded
                runtime.personal.replace(models)
                try applyEmbeddings(pending, connection)
                logger.info(
                    "personal models loaded",
                    [
                        "versions": models.map(\.version).joined(separator: ","), "items": models.map(\.items.count).reduce(0, +),
                        "ms": Int((ContinuousClock.now - start) / .milliseconds(1)),
                    ])
            } catch {
                modelLoads.withLock { if $0.generation == generation { $0.loading = false } }
                logger.warning("loading the personal models failed; keeping the previous ones", ["error": "\(error)"])
            }
        }
    }

    /// Loads the vectors of `ids` into the active text model.
    private func applyEmbeddings(_ ids: [Int64], _ connection: PostgresConnection) throws {
        guard !ids.isEmpty, let model = runtime.personal.models.first(where: { $0.kind == .textEmbedding }) else { return }
        let rows = try connection.query(
            "SELECT product_id, vector FROM item_embeddings WHERE model_version = $1 AND product_id = ANY($2::bigint[])",
            [.text(model.version), .text(CatalogStore.arrayLiteral(ids))])
        model.items.add(VectorMath.itemVectors(rows, dimensions: model.dimensions))
    }

    /// Applies notifications: re-reads the changed ids (a missing or deleted product leaves
    /// the index), or reloads everything when a payload lists no ids.
    private func apply(_ notifications: [PostgresNotification], _ connection: PostgresConnection) throws {
        var ids: Set<Int64> = []
        // Notifications come in commit order, each with the vocabulary version its change made.
        var vocabularyVersion: Int64?
        var catalogVersion: Int64?
        for notification in notifications where notification.channel == "user_vectors_changed" {
            runtime.personal.forget(notification.payload)
        }
        if notifications.contains(where: { $0.channel == "model_changed" }) { try reloadModels(connection) }
        let embedded = notifications.filter { $0.channel == "embeddings_changed" }.flatMap { notification in
            ((try? JSONValue(parsing: notification.payload))?["ids"]?.arrayValue ?? []).compactMap { $0.integer(as: Int64.self) }
        }
        if !embedded.isEmpty {
            // A model load in flight may have read the table before these: apply them again after it.
            modelLoads.withLock { if $0.loading { $0.pendingEmbeddings.formUnion(embedded) } }
            try applyEmbeddings(embedded, connection)
        }
        for notification in notifications where notification.channel == "catalog_changed" {
            guard let payload = try? JSONValue(parsing: notification.payload), let list = payload["ids"]?.arrayValue else {
                try reloadAll(connection)
                return
            }
            for id in list { if let value = id.integer(as: Int64.self) { ids.insert(value) } }
            if let version = payload["vocabulary_version"]?.integer(as: Int64.self) {
                vocabularyVersion = max(vocabularyVersion ?? version, version)
            }
            if let version = payload["catalog_version"]?.integer(as: Int64.self) {
                catalogVersion = max(catalogVersion ?? version, version)
            }
        }
        // Noted only once the changes are in the index (not when reading them failed).
        func noteApplied() { runtime.noteIndexed(vocabularyVersion: vocabularyVersion, catalogVersion: catalogVersion) }
        guard !ids.isEmpty else { return noteApplied() }
        let sorted = ids.sorted()
        let live = try CatalogStore.products(ids: sorted, connection)
        let liveIDs = Set(live.map(\.id))
        index.remove(ids: sorted.filter { !liveIDs.contains($0) })
        index.upsert(live)
        noteApplied()
        logger.debug("catalog changes applied", ["changed": live.count, "removed": sorted.count - live.count])
    }
}
