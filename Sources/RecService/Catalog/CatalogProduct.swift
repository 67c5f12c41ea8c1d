public import Protos
internal import JSON

/// A product as rec-svc keeps it: the catalog row of PostgreSQL, and what the in-memory
/// indexes hold. Prices are in major units of `currency`; times are Unix milliseconds.
public struct CatalogProduct: Hashable, Sendable {
    /// The catalog id (products.id); 0 before the product is stored.
    public var id: Int64 = 0
    public var sku: String
    public var title: String
    public var description: String = ""
    public var brand: String = ""
    /// The "/"-separated category path, e.g. "Women/Dresses/Maxi".
    public var category: String = ""
    /// Lower-case attribute names to their values (a product in several sizes has several).
    public var attributes: [String: [String]] = [:]
    public var price: Double
    public var currency: String = "USD"
    public var stock: Int32 = 0
    public var rating: Float = 0
    public var reviewCount: Int32 = 0
    public var imageURL: String = ""
    public var createdAtMs: Int64 = 0
    public var updatedAtMs: Int64 = 0

    public init(sku: String, title: String, price: Double) {
        self.sku = sku
        self.title = title
        self.price = price
    }

    /// The attributes as the JSONB object stored in products.attributes (keys sorted).
    var attributesJSON: String {
        JSONValue.object(attributes.mapValues { .array($0.map(JSONValue.string)) }).serialized()
    }

    /// The protobuf form.
    public var proto: RecV1.Product {
        var product = RecV1.Product()
        product.id = id == 0 ? "" : String(id)
        product.sku = sku
        product.title = title
        product.description = description
        product.brand = brand
        product.category = category
        product.attributes = attributes.keys.sorted().flatMap { name in
            attributes[name, default: []].map { RecV1.Attribute(name: name, value: $0) }
        }
        product.price = price
        product.currency = currency
        product.stock = stock
        product.rating = rating
        product.reviewCount = reviewCount
        product.imageURL = imageURL
        product.createdAtMs = createdAtMs
        product.updatedAtMs = updatedAtMs
        return product
    }

    /// The text the lexical and vector indexes see.
    var searchableText: String { [title, brand, category.replacingSlashes, description].joined(separator: " ") }
}

extension String {
    var replacingSlashes: String { String(map { $0 == "/" ? " " : $0 }) }
}
