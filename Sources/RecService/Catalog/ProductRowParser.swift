public import Protos
internal import JSON

/// Why one import row was rejected: the field at fault (when there is one) and a message a
/// shop owner understands.
public struct RowProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String
    public var sku: String

    public init(field: String = "", _ message: String, sku: String = "") {
        self.field = field
        self.message = message
        self.sku = sku
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

/// Turns import rows (JSONL, CSV, the Mercari TSV export, or protobuf products) into validated
/// `CatalogProduct`s. The rules are the same for every format; they are the JSONL contract in
/// README.md ("Catalog import format").
public struct ProductRowParser: Sendable {
    /// The JSONL fields; any other field is an error (a typo such as "colour" must not be
    /// dropped silently).
    static let jsonFields: Set<String> = [
        "sku", "title", "description", "brand", "category", "price", "currency", "attributes", "stock", "rating",
        "review_count", "image_url",
    ]
    /// CSV columns that are attributes rather than product fields.
    static let attributeColumns: Set<String> = ["color", "size", "material", "gender", "age_group", "season", "style", "pattern", "condition"]
    /// The Mercari export's columns, in order.
    public static let mercariColumns = [
        "train_id", "name", "item_condition_id", "category_name", "brand_name", "price", "shipping", "item_description",
    ]

    public var format: RecV1.ImportFormat
    /// The CSV or TSV column names; empty until the header row was read.
    public private(set) var header: [String]

    public init(format: RecV1.ImportFormat, header: [String] = []) {
        self.format = format
        self.header = header.map { $0.trimmed.lowercased() }
        if format == .mercariTsv && self.header.isEmpty { self.header = [] }
    }

    /// Parses one raw row. For CSV and TSV without a header, the first row is the header:
    /// it returns nil then.
    /// - Throws: `RowProblem`.
    public mutating func parse(text: String) throws(RowProblem) -> CatalogProduct? {
        switch format {
        case .jsonl, .unspecified:
            return try parseJSON(text)
        case .csv:
            let fields = try CSV.fields(of: text, separator: ",")
            if header.isEmpty {
                header = fields.map { $0.trimmed.lowercased() }
                return nil
            }
            return try parseColumns(fields)
        case .mercariTsv:
            let fields = text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if header.isEmpty {
                if fields.first?.trimmed == "train_id" {
                    header = fields.map { $0.trimmed.lowercased() }
                    return nil
                }
                header = Self.mercariColumns
            }
            return try parseMercari(fields)
        case .unrecognized(let number):
            throw RowProblem("unknown import format \(number)")
        }
    }

    /// Validates a product sent already parsed.
    /// - Throws: `RowProblem`.
    public func parse(product proto: RecV1.Product) throws(RowProblem) -> CatalogProduct {
        var attributes: [String: [String]] = [:]
        for attribute in proto.attributes {
            attributes[attribute.name.lowercased(), default: []].append(attribute.value)
        }
        return try validated(
            sku: proto.sku, title: proto.title, price: proto.price, description: proto.description, brand: proto.brand,
            category: proto.category, currency: proto.currency, attributes: attributes, stock: Int(proto.stock),
            rating: Double(proto.rating), reviewCount: Int(proto.reviewCount), imageURL: proto.imageURL)
    }

    // MARK: - Formats

    private func parseJSON(_ text: String) throws(RowProblem) -> CatalogProduct {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            throw RowProblem("not valid JSON: \(error)")
        }
        guard let object = value.objectValue else { throw RowProblem("a row must be a JSON object") }
        let sku = object["sku"]?.stringValue ?? ""
        if let unknown = object.keys.filter({ !Self.jsonFields.contains($0) }).sorted().first {
            throw RowProblem(field: unknown, "unknown field (the fields are \(Self.jsonFields.sorted().joined(separator: ", ")))", sku: sku)
        }
        func string(_ key: String) throws(RowProblem) -> String {
            guard let field = object[key], !field.isNull else { return "" }
            guard let text = field.stringValue else { throw RowProblem(field: key, "must be a string", sku: sku) }
            return text
        }
        func number(_ key: String) throws(RowProblem) -> Double? {
            guard let field = object[key], !field.isNull else { return nil }
            if let number = field.doubleValue { return number }
            if let text = field.stringValue, let number = Double(text.trimmed) { return number }
            throw RowProblem(field: key, "must be a number", sku: sku)
        }
        var attributes: [String: [String]] = [:]
        if let field = object["attributes"], !field.isNull {
            guard let fields = field.objectValue else {
                throw RowProblem(field: "attributes", "must be an object such as {\"color\": \"red\", \"size\": [\"S\", \"M\"]}", sku: sku)
            }
            for (name, value) in fields {
                if let text = value.stringValue {
                    attributes[name] = [text]
                } else if let values = value.arrayValue, values.allSatisfy({ $0.stringValue != nil }) {
                    attributes[name] = values.compactMap(\.stringValue)
                } else if let number = value.doubleValue {
                    attributes[name] = [number.rounded() == number ? String(Int64(number)) : String(number)]
                } else {
                    throw RowProblem(field: "attributes.\(name)", "must be a string or an array of strings", sku: sku)
                }
            }
        }
        guard object["sku"] != nil else { throw RowProblem(field: "sku", "is required") }
        guard object["price"] != nil else { throw RowProblem(field: "price", "is required", sku: sku) }
        let stock = try number("stock")
        let rating = try number("rating")
        let reviewCount = try number("review_count")
        return try validated(
            sku: try string("sku"), title: try string("title"), price: try number("price") ?? .nan,
            description: try string("description"), brand: try string("brand"), category: try string("category"),
            currency: try string("currency"), attributes: attributes, stock: try integer(stock, "stock", sku: sku),
            rating: rating ?? 0, reviewCount: try integer(reviewCount, "review_count", sku: sku),
            imageURL: try string("image_url"))
    }

    private func parseColumns(_ fields: [String]) throws(RowProblem) -> CatalogProduct {
        guard fields.count == header.count else {
            throw RowProblem("has \(fields.count) columns, the header has \(header.count)")
        }
        var values: [String: String] = [:]
        var attributes: [String: [String]] = [:]
        for (name, value) in zip(header, fields) {
            let name = name.hasPrefix("attr:") ? String(name.dropFirst(5)) : name
            if name == "attributes" {
                // A JSON object in one cell.
                guard !value.trimmed.isEmpty else { continue }
                guard let object = try? JSONValue(parsing: value).objectValue else {
                    throw RowProblem(field: "attributes", "must be a JSON object")
                }
                for (key, item) in object {
                    attributes[key] = item.stringValue.map { [$0] } ?? item.arrayValue?.compactMap(\.stringValue) ?? []
                }
            } else if Self.attributeColumns.contains(name) || header.contains("attr:\(name)") {
                // Several values in one cell are separated by "|": "S|M|L".
                let parts = value.split(separator: "|").map { String($0).trimmed }.filter { !$0.isEmpty }
                if !parts.isEmpty { attributes[name] = parts }
            } else if Self.jsonFields.contains(name) {
                values[name] = value
            } else {
                throw RowProblem(field: name, "unknown column")
            }
        }
        let sku = values["sku"] ?? ""
        func number(_ key: String) throws(RowProblem) -> Double? {
            guard let text = values[key]?.trimmed, !text.isEmpty else { return nil }
            guard let number = Double(text) else { throw RowProblem(field: key, "must be a number, not \"\(text)\"", sku: sku) }
            return number
        }
        guard let priceText = values["price"], !priceText.trimmed.isEmpty else {
            throw RowProblem(field: "price", "is required", sku: sku)
        }
        _ = priceText
        return try validated(
            sku: sku, title: values["title"] ?? "", price: try number("price") ?? .nan,
            description: values["description"] ?? "", brand: values["brand"] ?? "", category: values["category"] ?? "",
            currency: values["currency"] ?? "", attributes: attributes,
            stock: try integer(try number("stock"), "stock", sku: sku), rating: try number("rating") ?? 0,
            reviewCount: try integer(try number("review_count"), "review_count", sku: sku),
            imageURL: values["image_url"] ?? "")
    }

    private func parseMercari(_ fields: [String]) throws(RowProblem) -> CatalogProduct {
        guard fields.count == header.count else {
            throw RowProblem("has \(fields.count) tab-separated columns, expected \(header.count)")
        }
        var values: [String: String] = [:]
        for (name, value) in zip(header, fields) { values[name] = value.trimmed }
        guard let id = values["train_id"], !id.isEmpty else { throw RowProblem(field: "train_id", "is required") }
        let sku = "mercari-\(id)"
        guard let priceText = values["price"], let price = Double(priceText) else {
            throw RowProblem(field: "price", "must be a number", sku: sku)
        }
        var attributes: [String: [String]] = [:]
        let conditions = ["1": "new", "2": "like new", "3": "good", "4": "fair", "5": "poor"]
        if let condition = values["item_condition_id"].flatMap({ conditions[$0] }) { attributes["condition"] = [condition] }
        if values["shipping"] == "1" { attributes["shipping"] = ["free"] }
        var description = values["item_description"] ?? ""
        if description == "No description yet" { description = "" }
        return try validated(
            sku: sku, title: values["name"] ?? "", price: price, description: description,
            brand: values["brand_name"] ?? "", category: values["category_name"] ?? "", currency: "USD",
            attributes: attributes, stock: 1, rating: 0, reviewCount: 0, imageURL: "")
    }

    // MARK: - Validation

    private func integer(_ value: Double?, _ field: String, sku: String) throws(RowProblem) -> Int {
        guard let value else { return 0 }
        guard value == value.rounded(), value >= 0, value < 2_000_000_000 else {
            throw RowProblem(field: field, "must be a whole number from 0 to 2,000,000,000", sku: sku)
        }
        return Int(value)
    }

    /// The rules every format shares.
    func validated(
        sku rawSKU: String, title rawTitle: String, price: Double, description: String, brand: String,
        category: String, currency: String, attributes: [String: [String]], stock: Int, rating: Double,
        reviewCount: Int, imageURL: String
    ) throws(RowProblem) -> CatalogProduct {
        let sku = rawSKU.trimmed
        guard !sku.isEmpty else { throw RowProblem(field: "sku", "is required") }
        guard sku.count <= 128, !sku.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw RowProblem(field: "sku", "must be at most 128 printable characters", sku: String(sku.prefix(128)))
        }
        let title = rawTitle.collapsedWhitespace
        guard !title.isEmpty else { throw RowProblem(field: "title", "is required", sku: sku) }
        guard title.count <= 500 else { throw RowProblem(field: "title", "must be at most 500 characters", sku: sku) }
        guard price.isFinite, price > 0, price < 1e10 else {
            throw RowProblem(field: "price", "must be a positive number", sku: sku)
        }
        let code = currency.trimmed.uppercased()
        guard code.isEmpty || (code.count == 3 && code.unicodeScalars.allSatisfy { $0 >= "A" && $0 <= "Z" }) else {
            throw RowProblem(field: "currency", "must be an ISO 4217 code such as USD, not \"\(currency)\"", sku: sku)
        }
        guard rating >= 0, rating <= 5 else { throw RowProblem(field: "rating", "must be from 0 to 5", sku: sku) }
        var cleaned: [String: [String]] = [:]
        for (name, values) in attributes {
            let key = name.trimmed.lowercased()
            guard !key.isEmpty, key.count <= 64 else {
                throw RowProblem(field: "attributes", "attribute names must be 1 to 64 characters", sku: sku)
            }
            var seen: Set<String> = []
            let kept = values.map(\.collapsedWhitespace).filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
            if !kept.isEmpty { cleaned[key, default: []].append(contentsOf: kept) }
        }
        var product = CatalogProduct(sku: sku, title: title, price: (price * 100).rounded() / 100)
        product.description = description.trimmed
        product.brand = brand.collapsedWhitespace
        product.category = category.split(separator: "/").map { String($0).collapsedWhitespace }.filter { !$0.isEmpty }
            .joined(separator: "/")
        product.currency = code.isEmpty ? "USD" : code
        product.attributes = cleaned
        product.stock = Int32(stock)
        product.rating = Float(rating)
        product.reviewCount = Int32(reviewCount)
        product.imageURL = imageURL.trimmed
        return product
    }
}

/// RFC 4180 CSV records.
public enum CSV {
    /// The fields of one record (which may span lines inside quotes).
    /// - Throws: `RowProblem` on an unterminated quote.
    public static func fields(of record: String, separator: Character) throws(RowProblem) -> [String] {
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var iterator = record.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                inQuotes = true
            } else if character == separator {
                fields.append(field)
                field = ""
            } else if character != "\r\n" && character != "\n" && character != "\r" {
                field.append(character)
            }
        }
        guard !inQuotes else { throw RowProblem("a quoted field is not closed") }
        fields.append(field)
        return fields
    }

    /// Whether `text` ends inside a quoted field, so the record continues on the next line.
    public static func isIncomplete(_ text: String) -> Bool {
        text.reduce(false) { open, character in character == "\"" ? !open : open }
    }
}

extension String {
    var trimmed: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    var collapsedWhitespace: String {
        split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
