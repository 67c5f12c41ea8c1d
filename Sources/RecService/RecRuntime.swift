internal import Dispatch
public import Postgres
internal import Protos
internal import RPCCore
public import ServiceRuntime
internal import Synchronization

/// What rec-svc's RPC services share: the connection pool, the in-memory index and the
/// ranking settings.
public final class RecRuntime: Sendable {
    public let pool: PostgresPool
    public let index: CatalogIndex
    public let personal: PersonalModels
    /// The text encoder for query vectors; nil runs search on the lexical index alone.
    public let embeddings: TextEmbeddings?
    public let logger: Logger
    private let vocabularyCache = Mutex<RecV1.VocabularyResponse?>(nil)
    /// The vocabulary version the index reflects in full (every change up to it is in the
    /// index; later ones may be too): -1 until the first load. Only `CatalogSync` moves it, from
    /// its snapshot at load and from the versions the in-order notifications carry, so it is
    /// never ahead of the index (see `vocabulary(maxTerms:context:)`).
    private let indexedVocabulary = Atomic<Int64>(-1)
    /// The catalog version (every product change moves it) the index reflects in full; -1 until the first load.
    private let indexedCatalog = Atomic<Int64>(-1)

    public init(
        pool: PostgresPool, index: CatalogIndex, personal: PersonalModels = PersonalModels(), embeddings: TextEmbeddings? = nil,
        logger: Logger
    ) {
        self.pool = pool
        self.index = index
        self.personal = personal
        self.embeddings = embeddings
        self.logger = logger
    }

    /// The query's text vector and the item vectors, when both exist. A query not in the
    /// cache is encoded (milliseconds of work) on a Dispatch worker, so a handler that started
    /// on the event loop (`RPCHandler.startsOnLoop`) does not hold the loop meanwhile, and
    /// continues on the pool.
    func semanticQuery(_ text: String) async -> SemanticQuery? {
        guard let embeddings, !text.allSatisfy(\.isWhitespace),
            let model = personal.models.first(where: { $0.kind == .textEmbedding && $0.version == TextEmbeddings.version }),
            model.items.count > 0
        else { return nil }
        if let vector = embeddings.cachedQueryVector(text) { return SemanticQuery(vector: vector, items: model.items) }
        let vector = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: embeddings.queryVector(text)) }
        }
        return SemanticQuery(vector: vector, items: model.items)
    }

    /// Runs `body` in a transaction and maps database failures to gRPC statuses: an
    /// unreachable database is UNAVAILABLE (nothing was committed), anything else INTERNAL
    /// with the request id to look up in the logs. `RPCError`s pass through.
    func transaction<Result: Sendable>(
        _ context: ServerContext, _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        do {
            return try await pool.withTransaction(body)
        } catch let error as PostgresError {
            throw mapped(error, context)
        }
    }

    func mapped(_ error: PostgresError, _ context: ServerContext) -> RPCError {
        if error.code == .connection {
            return RPCError(
                code: .unavailable, message: "The catalog database is unreachable right now; try again shortly (requests with an idempotency key are safe to retry).",
                cause: error)
        }
        logger.error("database error", ["error": "\(error)", "request_id": context.requestID, "method": context.method.method])
        return RPCError(
            code: .internal, message: "The request failed in the database (request id \(context.requestID)).", cause: error)
    }

    /// Records that the index now reflects every change up to these versions (nil: not known).
    func noteIndexed(vocabularyVersion: Int64?, catalogVersion: Int64?) {
        if let vocabularyVersion { indexedVocabulary.max(vocabularyVersion, ordering: .acquiringAndReleasing) }
        if let catalogVersion { indexedCatalog.max(catalogVersion, ordering: .acquiringAndReleasing) }
    }

    /// Waits until `indexed()` reaches `version`, `catchUp` has passed, or the call is cancelled.
    private func wait(until indexed: () -> Int64, reaches version: Int64, within catchUp: Duration) async {
        let deadline = ContinuousClock.now + catchUp
        while indexed() < version, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Waits (up to `catchUp`) until the catalog sync has applied every change up to catalog
    /// `version`, so a catalog write is answered once this replica's reads show it. The write
    /// is put in the index directly as well; the wait is for the sync, which applies changes in
    /// commit order and may still apply one that was read before this write committed.
    func awaitIndexed(catalogVersion version: Int64, catchUp: Duration = .seconds(2)) async {
        await wait(until: { indexedCatalog.load(ordering: .acquiring) }, reaches: version, within: catchUp)
    }

    /// The vocabulary version the index reflects in full; nil before the first load.
    var indexedVocabularyVersion: Int64? {
        let version = indexedVocabulary.load(ordering: .acquiring)
        return version < 0 ? nil : version
    }

    /// The vocabulary, labelled with a version the index reflects in full (`unchanged` when
    /// that is `knownVersion`). A label is never ahead of the content: a client that keeps a
    /// label gets the newer vocabulary as soon as the index has caught up, never stale lists
    /// under a current version. When the database is ahead (`databaseVersion`: a change
    /// committed, its notification not applied yet), it waits for the index up to `catchUp`,
    /// so a client sees its own catalog writes; after that it answers with the index's older
    /// label (the client's next poll then gets the rest).
    /// - Throws: UNAVAILABLE before the catalog is loaded.
    func vocabulary(
        databaseVersion: Int64, knownVersion: Int64, maxTerms: Int, catchUp: Duration = .seconds(2)
    ) async throws -> RecV1.VocabularyResponse {
        guard indexedVocabularyVersion != nil else {
            throw RPCError(code: .unavailable, message: "The catalog is still loading; try again shortly.")
        }
        await wait(until: { indexedVocabulary.load(ordering: .acquiring) }, reaches: databaseVersion, within: catchUp)
        // Loaded stays loaded: the version only grows.
        let indexed = indexedVocabulary.load(ordering: .acquiring)
        if knownVersion != 0 && knownVersion == indexed { return RecV1.VocabularyResponse(version: indexed, unchanged: true) }
        return cachedVocabulary(version: indexed, maxTerms: maxTerms)
    }

    /// The vocabulary labelled `version`, computed once per version from the index.
    private func cachedVocabulary(version: Int64, maxTerms: Int) -> RecV1.VocabularyResponse {
        if let cached = vocabularyCache.withLock({ $0 }), cached.version == version, cached.titleTerms.count <= maxTerms,
            maxTerms == 5_000
        {
            return cached
        }
        let built = VocabularyBuilder.build(index.liveProducts(), version: version, maxTerms: maxTerms)
        if maxTerms == 5_000 { vocabularyCache.withLock { $0 = built } }
        return built
    }
}

/// Parses a catalog id ("42").
func productID(_ text: String, field: String = "product_id") throws -> Int64 {
    guard let id = Int64(text), id > 0 else {
        throw RPCError(
            code: .invalidArgument,
            message: text.isEmpty ? "\(field) is required." : "\(field) must be a catalog id such as \"42\", not \"\(text)\".")
    }
    return id
}

/// Checks a pseudonymous user id.
func requireUser(_ text: String) throws -> String {
    guard !text.isEmpty else { throw RPCError(code: .invalidArgument, message: "user_id is required.") }
    guard text.utf8.count <= 128 else { throw RPCError(code: .invalidArgument, message: "user_id must be at most 128 bytes.") }
    return text
}

/// A page size: 0 means `defaultSize`; at most 100.
func pageSize(_ value: Int32, default defaultSize: Int = 10) throws -> Int {
    guard value >= 0, value <= 100 else {
        throw RPCError(code: .invalidArgument, message: "page_size must be from 0 to 100, not \(value).")
    }
    return value == 0 ? defaultSize : Int(value)
}
