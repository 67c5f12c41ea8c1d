public import Postgres
internal import JSON

/// The catalog's SQL: products, their versions and the vocabulary. Every value travels as a
/// bound parameter or through COPY; no SQL text is built from data.
public enum CatalogStore {
    /// The columns every product read selects, in `product(from:)` order.
    static let productColumns = """
        id, sku, title, description, brand, category, attributes::text AS attributes, price::float8 AS price,
        currency, stock, rating, review_count, image_url,
        (extract(epoch FROM created_at) * 1000)::bigint AS created_ms,
        (extract(epoch FROM updated_at) * 1000)::bigint AS updated_ms
        """

    static func product(from row: PostgresRows.Row) -> CatalogProduct {
        var product = CatalogProduct(sku: row["sku"] ?? "", title: row["title"] ?? "", price: row.double("price") ?? 0)
        product.id = Int64(row["id"] ?? "") ?? 0
        product.description = row["description"] ?? ""
        product.brand = row["brand"] ?? ""
        product.category = row["category"] ?? ""
        if let text = row["attributes"], let object = try? JSONValue(parsing: text).objectValue {
            product.attributes = object.mapValues { $0.arrayValue?.compactMap(\.stringValue) ?? [] }
        }
        product.currency = row["currency"] ?? "USD"
        product.stock = Int32(row["stock"] ?? "") ?? 0
        product.rating = Float(row["rating"] ?? "") ?? 0
        product.reviewCount = Int32(row["review_count"] ?? "") ?? 0
        product.imageURL = row["image_url"] ?? ""
        product.createdAtMs = Int64(row["created_ms"] ?? "") ?? 0
        product.updatedAtMs = Int64(row["updated_ms"] ?? "") ?? 0
        return product
    }

    /// Every live product, in id order.
    public static func allProducts(_ connection: PostgresConnection) throws -> [CatalogProduct] {
        try connection.query("SELECT \(productColumns) FROM products WHERE deleted_at IS NULL ORDER BY id").map(product(from:))
    }

    /// The live products among `ids` (deleted or missing ids are left out).
    public static func products(ids: [Int64], _ connection: PostgresConnection) throws -> [CatalogProduct] {
        guard !ids.isEmpty else { return [] }
        return try connection.query(
            "SELECT \(productColumns) FROM products WHERE id = ANY($1::bigint[]) AND deleted_at IS NULL ORDER BY id",
            [.text(arrayLiteral(ids))]
        ).map(product(from:))
    }

    /// One live product by id or sku.
    public static func product(id: Int64?, sku: String, _ connection: PostgresConnection) throws -> CatalogProduct? {
        let rows = try connection.query(
            """
            SELECT \(productColumns) FROM products
             WHERE (($1::bigint IS NOT NULL AND id = $1) OR ($1::bigint IS NULL AND sku = $2)) AND deleted_at IS NULL
            """,
            [id.map { .int($0) } ?? .null, .text(sku)])
        return rows.first.map(product(from:))
    }

    /// The catalog and vocabulary versions.
    public static func versions(_ connection: PostgresConnection) throws -> (catalog: Int64, vocabulary: Int64) {
        let row = try connection.query("SELECT catalog_version, vocabulary_version FROM catalog_state").first
        return (Int64(row?["catalog_version"] ?? "") ?? 0, Int64(row?["vocabulary_version"] ?? "") ?? 0)
    }

    /// What an upsert did to one row.
    public enum UpsertOutcome: Hashable, Sendable {
        case created(Int64)
        case updated(Int64)
        case unchanged(Int64)
    }

    /// Creates or replaces `products` by sku in one statement (COPY into a temporary table,
    /// then INSERT … ON CONFLICT). Rows equal to the stored product are left alone, so their
    /// `updated_at` and the catalog version do not move. A soft-deleted sku is revived.
    /// Call inside a transaction. The skus must be distinct.
    /// - Returns: the outcome of each row, in input order.
    /// - Throws: `PostgresError`; then nothing of the batch was written.
    public static func upsert(_ products: [CatalogProduct], _ connection: PostgresConnection) throws -> [UpsertOutcome] {
        guard !products.isEmpty else { return [] }
        try connection.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS import_rows (
                ord int, sku text, title text, description text, brand text, category text, attributes jsonb,
                price numeric(12, 2), currency text, stock int, rating real, review_count int, image_url text
            ) ON COMMIT DELETE ROWS
            """)
        try connection.execute("DELETE FROM import_rows")  // cheaper than TRUNCATE for one batch
        let e = PostgresConnection.copyEscape
        try connection.copyIn(
            "COPY import_rows FROM STDIN",
            lines: products.enumerated().lazy.map { index, p in
                [
                    String(index), e(p.sku), e(p.title), e(p.description), e(p.brand), e(p.category), e(p.attributesJSON),
                    String(p.price), e(p.currency), String(p.stock), String(p.rating), String(p.reviewCount), e(p.imageURL),
                ].joined(separator: "\t")
            })
        let rows = try connection.query(
            """
            WITH upserted AS (
                INSERT INTO products AS p (sku, title, description, brand, category, attributes, price, currency, stock,
                                           rating, review_count, image_url)
                SELECT sku, title, description, brand, category, attributes, price, currency, stock, rating,
                       review_count, image_url
                  FROM import_rows ORDER BY ord
                ON CONFLICT (sku) DO UPDATE SET
                    title = EXCLUDED.title, description = EXCLUDED.description, brand = EXCLUDED.brand,
                    category = EXCLUDED.category, attributes = EXCLUDED.attributes, price = EXCLUDED.price,
                    currency = EXCLUDED.currency, stock = EXCLUDED.stock, rating = EXCLUDED.rating,
                    review_count = EXCLUDED.review_count, image_url = EXCLUDED.image_url, deleted_at = NULL
                WHERE (p.title, p.description, p.brand, p.category, p.attributes, p.price, p.currency, p.stock,
                       p.rating, p.review_count, p.image_url, p.deleted_at IS NULL)
                      IS DISTINCT FROM
                      (EXCLUDED.title, EXCLUDED.description, EXCLUDED.brand, EXCLUDED.category, EXCLUDED.attributes,
                       EXCLUDED.price, EXCLUDED.currency, EXCLUDED.stock, EXCLUDED.rating, EXCLUDED.review_count,
                       EXCLUDED.image_url, true)
                RETURNING p.id, p.sku, (xmax = 0) AS created
            )
            SELECT r.ord, u.id AS changed_id, u.created, p.id AS existing_id
              FROM import_rows r
              LEFT JOIN upserted u ON u.sku = r.sku
              LEFT JOIN products p ON p.sku = r.sku
             ORDER BY r.ord
            """)
        return rows.map { row in
            if let id = Int64(row["changed_id"] ?? "") {
                return row["created"] == "t" ? .created(id) : .updated(id)
            }
            return .unchanged(Int64(row["existing_id"] ?? "") ?? 0)
        }
    }

    /// Sets the price and/or stock of a live product.
    /// - Returns: the product after the change, or nil when there is no such product.
    public static func patch(
        id: Int64?, sku: String, price: Double?, currency: String?, stock: Int32?, _ connection: PostgresConnection
    ) throws -> CatalogProduct? {
        let rows = try connection.query(
            """
            UPDATE products SET price = coalesce($3::numeric, price), currency = coalesce($4, currency),
                                stock = coalesce($5::int, stock)
             WHERE (($1::bigint IS NOT NULL AND id = $1) OR ($1::bigint IS NULL AND sku = $2)) AND deleted_at IS NULL
            RETURNING \(productColumns)
            """,
            [
                id.map { .int($0) } ?? .null, .text(sku), price.map { .double($0) } ?? .null,
                currency.map { .text($0) } ?? .null, stock.map { .int(Int64($0)) } ?? .null,
            ])
        return rows.first.map(product(from:))
    }

    /// Soft-deletes a product (see the products table comment).
    /// - Returns: whether a live product was deleted.
    public static func delete(id: Int64?, sku: String, _ connection: PostgresConnection) throws -> Bool {
        let rows = try connection.query(
            """
            UPDATE products SET deleted_at = now()
             WHERE (($1::bigint IS NOT NULL AND id = $1) OR ($1::bigint IS NULL AND sku = $2)) AND deleted_at IS NULL
            RETURNING id
            """,
            [id.map { .int($0) } ?? .null, .text(sku)])
        return !rows.isEmpty
    }

    /// Appends an audit record (see 0005_audit.sql: never personal data).
    @discardableResult
    static func audit(
        actor: String, action: String, subject: String, requestID: String?, details: JSONValue,
        _ connection: PostgresConnection
    ) throws -> Int64 {
        let rows = try connection.query(
            "INSERT INTO audit_log (actor, action, subject, request_id, details) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id",
            [.text(actor), .text(action), .text(subject), requestID.map { .text($0) } ?? .null, .text(details.serialized())])
        return Int64(rows.first?["id"] ?? "") ?? 0
    }

    static func arrayLiteral(_ ids: [Int64]) -> String {
        "{" + ids.map(String.init).joined(separator: ",") + "}"
    }
}
