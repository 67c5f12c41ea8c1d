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

    /// The query's text vector and the item vectors, when both exist.
    func semanticQuery(_ text: String) -> SemanticQuery? {
        guard let embeddings, !text.allSatisfy(\.isWhitespace),
            let model = personal.models.first(where: { $0.kind == .textEmbedding && $0.version == TextEmbeddings.version }),
            model.items.count > 0
        else { return nil }
        return SemanticQuery(vector: embeddings.queryVector(text), items: model.items)
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

    /// The vocabulary for `version`, computed once per version from the index.
    func vocabulary(version: Int64, maxTerms: Int) -> RecV1.VocabularyResponse {
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
