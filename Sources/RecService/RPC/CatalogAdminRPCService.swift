internal import JSON
internal import Postgres
internal import ServiceRuntime
public import Protos
public import RPCCore

/// `voiceshop.rec.v1.CatalogAdmin`: upsert, patch, delete, streamed import, reindex and
/// stats. Changes reach this replica's index at once and every other replica through
/// NOTIFY catalog_changed.
public struct CatalogAdminRPCService: RecV1.CatalogAdmin.ServiceProtocol {
    /// Rows per transaction of an import.
    /// At most 500, so the NOTIFY of each batch lists its ids (past 500 the trigger sends none
    /// and every replica reloads the whole catalog).
    static let importBatchSize = 500
    /// The most row errors an import response lists.
    static let maxReportedErrors = 1_000

    let runtime: RecRuntime

    public init(runtime: RecRuntime) {
        self.runtime = runtime
    }

    public func upsertProduct(request: RecV1.UpsertProductRequest, context: ServerContext) async throws
        -> RecV1.UpsertProductResponse
    {
        guard let proto = request.product else { throw RPCError(code: .invalidArgument, message: "product is required.") }
        let product: CatalogProduct
        do {
            product = try ProductRowParser(format: .jsonl).parse(product: proto)
        } catch {
            throw RPCError(code: .invalidArgument, message: "The product is not valid: \(error).")
        }
        let (outcome, stored, version) = try await runtime.transaction(context) { connection in
            let outcome = try CatalogStore.upsert([product], connection)[0]
            let stored = try CatalogStore.product(id: nil, sku: product.sku, connection)
            return (outcome, stored, try CatalogStore.versions(connection))
        }
        guard let stored else { throw RPCError(code: .internal, message: "The product was not stored.") }
        runtime.index.upsert([stored])
        await runtime.awaitIndexed(catalogVersion: version.catalog)
        var response = RecV1.UpsertProductResponse()
        response.product = stored.proto
        if case .created = outcome { response.created = true }
        response.vocabularyVersion = version.vocabulary
        return response
    }

    public func patchProduct(request: RecV1.PatchProductRequest, context: ServerContext) async throws -> RecV1.Product {
        let id = request.productID.isEmpty ? nil : try productID(request.productID)
        guard id != nil || !request.sku.isEmpty else { throw RPCError(code: .invalidArgument, message: "product_id or sku is required.") }
        guard request.price != nil || request.stock != nil else {
            throw RPCError(code: .invalidArgument, message: "Nothing to change: give a price and/or a stock.")
        }
        if let price = request.price {
            guard price.price.isFinite, price.price > 0, price.price < 1e10 else {
                throw RPCError(code: .invalidArgument, message: "price must be a positive number.")
            }
            guard price.currency.isEmpty || (price.currency.count == 3 && price.currency.allSatisfy { $0.isUppercase && $0.isASCII }) else {
                throw RPCError(code: .invalidArgument, message: "currency must be an ISO 4217 code such as USD.")
            }
        }
        if let stock = request.stock, stock.quantity < 0 {
            throw RPCError(code: .invalidArgument, message: "stock must not be negative.")
        }
        let sku = request.sku
        let (product, version) = try await runtime.transaction(context) { connection in
            let product = try CatalogStore.patch(
                id: id, sku: sku, price: request.price.map { ($0.price * 100).rounded() / 100 },
                currency: request.price.flatMap { $0.currency.isEmpty ? nil : $0.currency }, stock: request.stock?.quantity,
                connection)
            return (product, try CatalogStore.versions(connection).catalog)
        }
        guard let product else {
            throw RPCError(code: .notFound, message: id.map { "There is no product \($0)." } ?? "There is no product with sku \"\(sku)\".")
        }
        runtime.index.upsert([product])
        await runtime.awaitIndexed(catalogVersion: version)
        return product.proto
    }

    public func deleteProduct(request: RecV1.DeleteProductRequest, context: ServerContext) async throws
        -> RecV1.DeleteProductResponse
    {
        let id = request.productID.isEmpty ? nil : try productID(request.productID)
        guard id != nil || !request.sku.isEmpty else { throw RPCError(code: .invalidArgument, message: "product_id or sku is required.") }
        let sku = request.sku
        let requestID = context.requestID
        let (deleted, version) = try await runtime.transaction(context) { connection in
            let existing = try CatalogStore.product(id: id, sku: sku, connection)
            let deleted = try CatalogStore.delete(id: id, sku: sku, connection)
            if deleted, let existing {
                try CatalogStore.audit(
                    actor: "catalog-admin", action: "product.delete", subject: "product:\(existing.id)", requestID: requestID,
                    details: .object(["sku": .string(existing.sku)]), connection)
            }
            return (deleted ? existing?.id : nil, try CatalogStore.versions(connection))
        }
        if let deleted { runtime.index.remove(ids: [deleted]) }
        await runtime.awaitIndexed(catalogVersion: version.catalog)
        return RecV1.DeleteProductResponse(existed: deleted != nil, vocabularyVersion: version.vocabulary)
    }

    public func importProducts(requests: RPCMessageStream<RecV1.ImportProductsRequest>, context: ServerContext) async throws
        -> RecV1.ImportProductsResponse
    {
        let start = ContinuousClock.now
        var response = RecV1.ImportProductsResponse()
        var parser: ProductRowParser?
        var options = RecV1.ImportOptions()
        var batch: [(line: Int32, product: CatalogProduct)] = []
        var batchSKUs: Set<String> = []

        func fail(_ line: Int32, _ problem: RowProblem) {
            response.rowsFailed += 1
            if response.errors.count < Self.maxReportedErrors {
                response.errors.append(RecV1.RowError(lineNumber: line, sku: problem.sku, field: problem.field, message: problem.message))
            } else {
                response.errorsTruncated = true
            }
        }
        func flush() async throws {
            guard !batch.isEmpty else { return }
            defer {
                batch.removeAll(keepingCapacity: true)
                batchSKUs.removeAll(keepingCapacity: true)
            }
            if options.dryRun {
                response.rowsUnchanged += Int32(batch.count)
                return
            }
            let rows = batch
            let results = try await runtime.transaction(context) { connection in
                try Self.write(rows, connection)
            }
            var changed: [Int64] = []
            for (line, result) in zip(rows.map(\.line), results) {
                switch result {
                case .success(.created(let id)):
                    response.rowsCreated += 1
                    changed.append(id)
                case .success(.updated(let id)):
                    response.rowsUpdated += 1
                    changed.append(id)
                case .success(.unchanged):
                    response.rowsUnchanged += 1
                case .failure(let problem):
                    fail(line, problem)
                }
            }
            if !changed.isEmpty {
                let changed = changed
                let products = try await runtime.transaction(context) { try CatalogStore.products(ids: changed, $0) }
                runtime.index.upsert(products)
            }
        }

        for try await message in requests {
            if parser == nil {
                guard let given = message.options else {
                    throw RPCError(code: .invalidArgument, message: "The first message of an import must carry options.")
                }
                if case .unrecognized(let value) = given.format {
                    throw RPCError(code: .invalidArgument, message: "Unknown import format \(value).")
                }
                options = given
                parser = ProductRowParser(format: given.format, header: given.csvHeader)
            }
            guard let row = message.row else { continue }
            response.rowsReceived += 1
            let line = message.lineNumber == 0 ? response.rowsReceived : message.lineNumber
            do {
                let product: CatalogProduct?
                switch row {
                case .text(let text):
                    guard options.format != .unspecified else {
                        throw RowProblem("this import has no format: set options.format to JSONL, CSV or MERCARI_TSV")
                    }
                    product = try parser!.parse(text: text)
                case .product(let proto):
                    product = try parser!.parse(product: proto)
                }
                guard let product else {
                    response.rowsReceived -= 1  // a CSV/TSV header
                    continue
                }
                if batchSKUs.contains(product.sku) { try await flush() }
                batch.append((line, product))
                batchSKUs.insert(product.sku)
                if batch.count >= Self.importBatchSize { try await flush() }
            } catch let problem as RowProblem {
                fail(line, problem)
            }
        }
        try await flush()
        let elapsed = ContinuousClock.now - start
        response.elapsedSeconds = elapsed.inSeconds
        let summary = response
        let source = options.source
        let dryRun = options.dryRun
        let requestID = context.requestID
        let versions = try await runtime.transaction(context) { connection in
            if !dryRun {
                try connection.query("UPDATE catalog_state SET last_import_at = now() WHERE id")
                try CatalogStore.audit(
                    actor: "catalog-admin", action: "catalog.import", subject: "catalog", requestID: requestID,
                    details: .object([
                        "source": .string(source), "received": JSONValue(Int(summary.rowsReceived)),
                        "created": JSONValue(Int(summary.rowsCreated)), "updated": JSONValue(Int(summary.rowsUpdated)),
                        "unchanged": JSONValue(Int(summary.rowsUnchanged)), "failed": JSONValue(Int(summary.rowsFailed)),
                    ]), connection)
            }
            return try CatalogStore.versions(connection)
        }
        response.vocabularyVersion = versions.vocabulary
        await runtime.awaitIndexed(catalogVersion: versions.catalog)
        runtime.logger.info(
            "import finished",
            [
                "source": source, "received": Int(response.rowsReceived), "created": Int(response.rowsCreated),
                "updated": Int(response.rowsUpdated), "failed": Int(response.rowsFailed), "seconds": response.elapsedSeconds,
            ])
        return response
    }

    /// Writes one batch. When the batch statement fails on a row the parser accepted but the
    /// database refuses, the rows are written one by one under savepoints so only that row
    /// fails.
    static func write(
        _ rows: [(line: Int32, product: CatalogProduct)], _ connection: PostgresConnection
    ) throws -> [Result<CatalogStore.UpsertOutcome, RowProblem>] {
        try connection.execute("SAVEPOINT batch")
        do {
            let outcomes = try CatalogStore.upsert(rows.map(\.product), connection)
            try connection.execute("RELEASE SAVEPOINT batch")
            return outcomes.map { .success($0) }
        } catch let error as PostgresError where error.code == .query {
            try connection.execute("ROLLBACK TO SAVEPOINT batch")
        }
        var results: [Result<CatalogStore.UpsertOutcome, RowProblem>] = []
        for row in rows {
            try connection.execute("SAVEPOINT one")
            do {
                results.append(.success(try CatalogStore.upsert([row.product], connection)[0]))
                try connection.execute("RELEASE SAVEPOINT one")
            } catch let error as PostgresError where error.code == .query {
                try connection.execute("ROLLBACK TO SAVEPOINT one")
                results.append(.failure(RowProblem("the database refused the row: \(error.message)", sku: row.product.sku)))
            }
        }
        return results
    }

    /// `lexical` (or neither flag): rebuilds this replica's in-memory catalog index (BM25,
    /// filters, facets, popularity) from PostgreSQL. `vectors`: marks every item text vector
    /// stale, so the embedding worker encodes them all again in the background (the current
    /// vectors serve until each is replaced), and tells every replica to rebuild its vector
    /// indexes from PostgreSQL now (`NOTIFY model_changed`).
    public func reindex(request: RecV1.ReindexRequest, context: ServerContext) async throws -> RecV1.ReindexResponse {
        let start = ContinuousClock.now
        let lexical = request.lexical || !request.vectors
        let vectors = request.vectors
        let (products, popularity, queued, version) = try await runtime.transaction(context) { connection in
            var queued = 0
            if vectors {
                queued = try connection.query(
                    """
                    UPDATE item_embeddings e SET text_hash = '', updated_at = '-infinity'
                      FROM products p WHERE e.model_version = $1 AND p.id = e.product_id AND p.deleted_at IS NULL
                    RETURNING e.product_id
                    """,
                    [.text(TextEmbeddings.version)]
                ).count
                try connection.query("SELECT pg_notify('model_changed', 'reindex')")
            }
            let version = try CatalogStore.versions(connection).vocabulary
            guard lexical else { return ([CatalogProduct](), [Int64: Float](), queued, version) }
            return (try CatalogStore.allProducts(connection), try EventStore.popularity(connection), queued, version)
        }
        if lexical {
            runtime.index.rebuild(products)
            runtime.index.setPopularity(popularity)
        }
        if vectors { runtime.logger.info("reindex: item text vectors queued for encoding", ["count": queued]) }
        let elapsed = ContinuousClock.now - start
        return RecV1.ReindexResponse(
            // The products put in the lexical index, or with only `vectors` the vectors queued.
            productsIndexed: Int32(lexical ? products.count : queued),
            elapsedSeconds: elapsed.inSeconds,
            vocabularyVersion: version)
    }

    public func funnel(request: RecV1.FunnelRequest, context: ServerContext) async throws -> RecV1.FunnelResponse {
        let until = request.untilMs > 0 ? request.untilMs : WallClock.nowMilliseconds()
        let since = request.sinceMs > 0 ? request.sinceMs : until - 86_400_000
        guard since >= 0, since < until else {
            throw RPCError(code: .invalidArgument, message: "since_ms must be before until_ms.")
        }
        return try await runtime.transaction(context) { try FunnelStore.report(sinceMs: since, untilMs: until, $0) }
    }

    public func stats(request: RecV1.StatsRequest, context: ServerContext) async throws -> RecV1.StatsResponse {
        let row = try await runtime.transaction(context) { connection in
            try connection.query(
                """
                SELECT (SELECT count(*) FROM products WHERE deleted_at IS NULL) AS products,
                       (SELECT count(*) FROM products WHERE deleted_at IS NULL AND stock > 0) AS in_stock,
                       (SELECT count(DISTINCT lower(brand)) FROM products WHERE deleted_at IS NULL AND brand <> '') AS brands,
                       (SELECT count(DISTINCT category) FROM products WHERE deleted_at IS NULL AND category <> '') AS categories,
                       (SELECT count(*) FROM reviews) AS reviews,
                       (SELECT count(*) FROM users) AS users,
                       (SELECT count(*) FROM events) AS events,
                       (SELECT count(*) FROM orders) AS orders,
                       s.vocabulary_version,
                       coalesce((extract(epoch FROM s.last_import_at) * 1000)::bigint, 0) AS last_import_ms
                  FROM catalog_state s
                """
            ).first
        }
        func int(_ name: String) -> Int32 { Int32(row?[name] ?? "") ?? 0 }
        var response = RecV1.StatsResponse()
        response.products = int("products")
        response.productsInStock = int("in_stock")
        response.brands = int("brands")
        response.categories = int("categories")
        response.reviews = int("reviews")
        response.users = int("users")
        response.events = Int64(row?["events"] ?? "") ?? 0
        response.orders = int("orders")
        response.vocabularyVersion = Int64(row?["vocabulary_version"] ?? "") ?? 0
        // What ranks searches now: BM25, plus each active model version (as Search reports it).
        response.modelVersion = runtime.personal.versionDescription
        response.lastImportAtMs = Int64(row?["last_import_ms"] ?? "") ?? 0
        return response
    }
}
