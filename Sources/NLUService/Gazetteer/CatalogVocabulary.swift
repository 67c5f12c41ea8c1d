internal import JSON
public import Protos

/// The catalog's names that nlu-svc recognises: brands, category paths, colours, materials and
/// sizes, with the version they were taken at.
public struct CatalogVocabulary: Hashable, Sendable {
    public var brands: [String]
    public var categories: [String]
    public var colors: [String]
    public var materials: [String]
    public var sizes: [String]
    /// Where the names came from, for `model_version`: "file", or "rec-N" for rec-svc's
    /// vocabulary version N.
    public var version: String

    public init(
        brands: [String] = [], categories: [String] = [], colors: [String] = [], materials: [String] = [],
        sizes: [String] = [], version: String = "empty"
    ) {
        self.brands = brands
        self.categories = categories
        self.colors = colors
        self.materials = materials
        self.sizes = sizes
        self.version = version
    }

    /// The vocabulary rec-svc's `Vocabulary` RPC returned.
    public init(_ response: RecV1.VocabularyResponse) {
        self.init(
            brands: response.brands, categories: response.categories, colors: response.colors,
            materials: response.materials, sizes: response.sizes, version: "rec-\(response.version)")
    }

    /// Reads the vocabulary from a catalog file in rec-svc's JSONL import format (one product
    /// a line; `brand`, `category`, and the `color`, `material` and `size` attributes).
    /// - Throws: `NLUError` when the file cannot be read or a line is not JSON.
    public static func load(productsFile path: String) throws -> CatalogVocabulary {
        let bytes = try FileIO.read(path)
        var brands: Set<String> = []
        var categories: Set<String> = []
        var colors: Set<String> = []
        var materials: Set<String> = []
        var sizes: Set<String> = []
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { continue }
            let product: JSONValue
            do {
                product = try JSONValue(parsing: line)
            } catch {
                throw NLUError(code: .badData, message: "\(path):\(lineNumber): not a JSON object: \(error)")
            }
            if let brand = product["brand"]?.stringValue, !brand.isEmpty { brands.insert(brand) }
            if let category = product["category"]?.stringValue, !category.isEmpty { categories.insert(category) }
            let attributes = product["attributes"]
            func strings(_ key: String) -> [String] {
                guard let value = attributes?[key] else { return [] }
                if let text = value.stringValue { return [text] }
                return value.arrayValue?.compactMap(\.stringValue) ?? []
            }
            colors.formUnion(strings("color"))
            materials.formUnion(strings("material"))
            sizes.formUnion(strings("size"))
        }
        return CatalogVocabulary(
            brands: brands.sorted(), categories: categories.sorted(), colors: colors.sorted(),
            materials: materials.sorted(), sizes: sizes.sorted(), version: "file")
    }
}
