internal import JSON
internal import Protos
internal import RPCCore
internal import ServiceRuntime

/// The admin routes (Bearer admin token): products, the streamed import, reindex, stats.
extension Gateway {
    private func adminOptions(_ context: RequestContext) throws(GatewayError) -> CallOptions {
        try context.options(share: 0.95, stage: "rec")
    }

    static let productFields: Set<String> = [
        "sku", "title", "price", "currency", "description", "brand", "category", "attributes", "stock", "rating", "review_count",
        "image_url",
    ]

    /// A product from the import format's JSON (sku, title and price required).
    static func product(from body: JSONBody) throws(GatewayError) -> RecV1.Product {
        var product = RecV1.Product()
        guard let sku = try body.string("sku", maxLength: 128), !sku.isEmpty else { throw GatewayError.badRequest("'sku' is required", field: "sku") }
        guard let title = try body.string("title", maxLength: 500), !title.isEmpty else {
            throw GatewayError.badRequest("'title' is required", field: "title")
        }
        guard let price = try body.number("price", range: 0.01...10_000_000) else {
            throw GatewayError.badRequest("'price' is required and must be a positive number", field: "price")
        }
        product.sku = sku
        product.title = title
        product.price = price
        product.currency = try body.string("currency", maxLength: 3) ?? "USD"
        product.description = try body.string("description", maxLength: 20_000) ?? ""
        product.brand = try body.string("brand", maxLength: 200) ?? ""
        product.category = try body.string("category", maxLength: 500) ?? ""
        product.stock = Int32(try body.integer("stock", range: 0...10_000_000) ?? 0)
        product.rating = Float(try body.number("rating", range: 0...5) ?? 0)
        product.reviewCount = Int32(try body.integer("review_count", range: 0...100_000_000) ?? 0)
        product.imageURL = try body.string("image_url", maxLength: 2000) ?? ""
        if let attributes = body.members["attributes"], !attributes.isNull {
            guard let object = attributes.objectValue else {
                throw GatewayError.badRequest("'attributes' must be an object of names to a string or a list of strings", field: "attributes")
            }
            for (name, value) in object.sorted(by: { $0.key < $1.key }) {
                let values: [JSONValue] = value.arrayValue ?? [value]
                for item in values {
                    guard let text = item.stringValue else {
                        throw GatewayError.badRequest("attribute '\(name)' must be a string or a list of strings", field: "attributes")
                    }
                    product.attributes.append(RecV1.Attribute(name: name, value: text))
                }
            }
        }
        return product
    }

    func createProduct(_ request: HTTPRequest, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try requireJSON(request.head)
        let body = try JSONBody(request.body, allowed: Self.productFields)
        var upsert = RecV1.UpsertProductRequest()
        upsert.product = try Self.product(from: body)
        let options = try adminOptions(context)
        let response = try await call("rec-svc") { try await downstreams.admin.upsertProduct(upsert, options: options) }
        return json(
            response.created ? 201 : 200,
            [
                "product": JSONMapping.product(response.product ?? RecV1.Product()), "created": .bool(response.created),
                "vocabulary_version": JSONValue(response.vocabularyVersion),
            ])
    }

    func patchProduct(_ id: String, _ request: HTTPRequest, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try requireJSON(request.head)
        let body = try JSONBody(request.body, allowed: ["price", "currency", "stock"])
        var patch = RecV1.PatchProductRequest()
        patch.productID = id
        if let price = try body.number("price", range: 0.01...10_000_000) {
            patch.price = RecV1.PriceValue(price: price, currency: try body.string("currency", maxLength: 3) ?? "")
        }
        if let stock = try body.integer("stock", range: 0...10_000_000) { patch.stock = RecV1.StockValue(quantity: Int32(stock)) }
        guard patch.price != nil || patch.stock != nil else {
            throw GatewayError.badRequest("send 'price' and/or 'stock' to change")
        }
        let options = try adminOptions(context)
        let product = try await call("rec-svc") { try await downstreams.admin.patchProduct(patch, options: options) }
        return json(200, JSONMapping.product(product))
    }

    func deleteProduct(_ id: String, _ query: QueryParameters, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        var request = RecV1.DeleteProductRequest()
        if try query.bool("by_sku") == true { request.sku = id } else { request.productID = id }
        let options = try adminOptions(context)
        let response = try await call("rec-svc") { try await downstreams.admin.deleteProduct(request, options: options) }
        return json(200, ["existed": .bool(response.existed), "vocabulary_version": JSONValue(response.vocabularyVersion)])
    }

    func reindex(_ query: QueryParameters, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        var request = RecV1.ReindexRequest()
        request.lexical = try query.bool("lexical") ?? false
        request.vectors = try query.bool("vectors") ?? false
        let options = CallOptions(timeout: .seconds(600), metadata: [RequestID.header: context.requestID, "traceparent": context.traceParent])
        let response = try await call("rec-svc") { try await downstreams.admin.reindex(request, options: options) }
        return json(
            200,
            [
                "products_indexed": JSONValue(response.productsIndexed), "elapsed_seconds": JSONMapping.number(response.elapsedSeconds, places: 3),
                "vocabulary_version": JSONValue(response.vocabularyVersion),
            ])
    }

    func stats(_ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        let options = try adminOptions(context)
        let stats = try await call("rec-svc") { try await downstreams.admin.stats(RecV1.StatsRequest(), options: options) }
        return json(
            200,
            [
                "products": JSONValue(stats.products), "products_in_stock": JSONValue(stats.productsInStock), "brands": JSONValue(stats.brands),
                "categories": JSONValue(stats.categories), "reviews": JSONValue(stats.reviews), "users": JSONValue(stats.users),
                "events": JSONValue(stats.events), "orders": JSONValue(stats.orders), "vocabulary_version": JSONValue(stats.vocabularyVersion),
                "model_version": .string(stats.modelVersion), "last_import_at_ms": JSONValue(stats.lastImportAtMs),
            ])
    }

    /// `POST /v1/admin/products:import`: the body (JSONL, CSV or the Mercari TSV) is split into
    /// records as it arrives and streamed to rec-svc's ImportProducts, so a large file never
    /// sits in memory. The answer counts the rows and lists every rejected one by line.
    func importProducts(_ request: HTTPRequest, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        let query = QueryParameters(values: request.head.query)
        let media = (request.head.headers["content-type"] ?? "").split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
        let format: RecV1.ImportFormat
        switch try query.choice("format", ["jsonl", "csv", "mercari"]) ?? "" {
        case "jsonl": format = .jsonl
        case "csv": format = .csv
        case "mercari": format = .mercariTsv
        default:
            switch media {
            case "application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines": format = .jsonl
            case "text/csv": format = .csv
            case "text/tab-separated-values": format = .mercariTsv
            default:
                throw GatewayError(
                    status: 415, code: "unsupported_media_type",
                    message: "send application/x-ndjson (JSONL), text/csv or text/tab-separated-values (Mercari), or ?format=jsonl|csv|mercari; got '\(media)'")
            }
        }
        guard let stream = request.bodyStream else { throw GatewayError.badRequest("the import body is missing") }
        var options = RecV1.ImportOptions()
        options.format = format
        options.dryRun = try query.bool("dry_run") ?? false
        options.source = String((query.values["source"] ?? "gateway").prefix(200))
        let callOptions = CallOptions(
            timeout: .seconds(3600), metadata: [RequestID.header: context.requestID, "traceparent": context.traceParent])
        let logger = self.logger
        let requestID = context.requestID
        let response: RecV1.ImportProductsResponse = try await call("rec-svc") {
            try await downstreams.admin.importProducts(options: callOptions) { writer in
                try await writer.write(RecV1.ImportProductsRequest(options: options))
                var splitter = RecordSplitter(csv: format == .csv)
                var rows = 0
                var lastReport = ContinuousClock.now
                func send(_ records: [(line: Int, text: String)]) async throws {
                    for record in records {
                        var message = RecV1.ImportProductsRequest()
                        message.lineNumber = Int32(clamping: record.line)
                        message.row = .text(record.text)
                        try await writer.write(message)
                        rows += 1
                    }
                    if ContinuousClock.now - lastReport > .seconds(2) {
                        lastReport = .now
                        logger.info("import progress", ["rows_sent": rows, "request_id": requestID])
                    }
                }
                for try await chunk in stream { try await send(splitter.feed(chunk)) }
                try await send(splitter.finish())
            }
        }
        logger.info(
            "import finished",
            ["rows": Int(response.rowsReceived), "failed": Int(response.rowsFailed), "request_id": requestID, "dry_run": options.dryRun])
        return json(
            200,
            [
                "rows_received": JSONValue(response.rowsReceived), "rows_created": JSONValue(response.rowsCreated),
                "rows_updated": JSONValue(response.rowsUpdated), "rows_unchanged": JSONValue(response.rowsUnchanged),
                "rows_failed": JSONValue(response.rowsFailed),
                "errors": .array(
                    response.errors.map { error in
                        [
                            "line": JSONValue(error.lineNumber), "sku": .string(error.sku), "field": .string(error.field),
                            "message": .string(error.message),
                        ]
                    }),
                "errors_truncated": .bool(response.errorsTruncated), "vocabulary_version": JSONValue(response.vocabularyVersion),
                "elapsed_seconds": JSONMapping.number(response.elapsedSeconds, places: 3), "dry_run": .bool(options.dryRun),
            ])
    }
}
