internal import JSON
public import Protos
internal import ServiceRuntime

/// The catalog's words the language model is built from: rec-svc's `Vocabulary` answer, or
/// the same read from a products JSONL file (the demo catalog).
public struct CatalogVocabulary: Sendable, Hashable {
    /// rec-svc's vocabulary version (a file's is 0 unless given).
    public var version: Int64
    public var brands: [String] = []
    public var categories: [String] = []
    public var colors: [String] = []
    public var materials: [String] = []
    public var sizes: [String] = []
    /// Title words, most frequent first.
    public var titleTerms: [String] = []
    /// Title phrases (two and three words), most frequent first.
    public var titlePhrases: [String] = []

    public init(version: Int64 = 0) {
        self.version = version
    }

    /// From rec-svc's `Vocabulary` response.
    public init(_ response: RecV1.VocabularyResponse) {
        version = response.version
        brands = response.brands
        categories = response.categories
        colors = response.colors
        materials = response.materials
        sizes = response.sizes
        titleTerms = response.titleTerms.map(\.term)
        titlePhrases = response.titlePhrases.map(\.term)
    }

    /// Reads a products JSONL file (`services/rec-svc/demo/products.jsonl`'s format): the
    /// same lists rec-svc's `Vocabulary` RPC would return for it.
    /// - Throws: `ASRError` when the file cannot be read or a line is not a JSON object.
    public static func load(productsFile path: String, version: Int64 = 0) throws(ASRError) -> CatalogVocabulary {
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(path) } catch {
            throw ASRError(.invalidRequest, "Cannot read the catalog file \(path) (\(error.reason)).")
        }
        var vocabulary = CatalogVocabulary(version: version)
        var sets: [Int: [String: Int]] = [:]
        var terms: [String: Int] = [:]
        var phrases: [String: Int] = [:]
        func add(_ kind: Int, _ value: String) {
            guard !value.isEmpty else { return }
            sets[kind, default: [:]][value, default: 0] += 1
        }
        func strings(_ value: JSONValue?) -> [String] {
            if let text = value?.stringValue { return [text] }
            return value?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        for (number, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() {
            let object: JSONValue
            do { object = try JSONValue(parsing: line) } catch {
                throw ASRError(.invalidRequest, "\(path) line \(number + 1): \(error)")
            }
            strings(object["brand"]).forEach { add(0, $0) }
            strings(object["category"]).forEach { add(1, $0) }
            let attributes = object["attributes"]
            strings(attributes?["color"]).forEach { add(2, $0) }
            strings(attributes?["material"]).forEach { add(3, $0) }
            strings(attributes?["size"]).forEach { add(4, $0) }
            let words = SpokenForm.tokens(object["title"]?.stringValue ?? "")
            for word in Set(words) { terms[word, default: 0] += 1 }
            for length in 2...3 where words.count >= length {
                for start in 0...(words.count - length) {
                    phrases[words[start..<(start + length)].joined(separator: " "), default: 0] += 1
                }
            }
        }
        func sorted(_ kind: Int) -> [String] { (sets[kind] ?? [:]).keys.sorted() }
        vocabulary.brands = sorted(0)
        vocabulary.categories = sorted(1)
        vocabulary.colors = sorted(2)
        vocabulary.materials = sorted(3)
        vocabulary.sizes = sorted(4)
        func top(_ counts: [String: Int], minimum: Int) -> [String] {
            counts.filter { $0.value >= minimum }.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                .map(\.key)
        }
        vocabulary.titleTerms = top(terms, minimum: 1)
        vocabulary.titlePhrases = top(phrases, minimum: 2)
        return vocabulary
    }
}
