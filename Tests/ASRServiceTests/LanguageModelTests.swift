import ASRService
import Foundation
import PocketSphinx
import Testing

@Suite struct LanguageModelTests {
    static let demoCatalog = ASRTestSupport.repositoryRoot.appendingPathComponent("services/rec-svc/demo/products.jsonl").path

    @Test func demoCatalogVocabularyHasBrandsCategoriesAndAttributes() throws {
        let vocabulary = try CatalogVocabulary.load(productsFile: Self.demoCatalog)
        #expect(vocabulary.brands.contains("Lululemon"))
        #expect(vocabulary.categories.contains("Women/Dresses/Summer"))
        #expect(vocabulary.colors.contains("red"))
        #expect(vocabulary.materials.contains("linen"))
        #expect(vocabulary.titleTerms.count > 300)
    }

    @Test func arpaFileIsReadableBySphinxbase() throws {
        let vocabulary = try CatalogVocabulary.load(productsFile: Self.demoCatalog)
        let model = CatalogLanguageModel(vocabulary: vocabulary, dictionary: { _ in true })
        let path = ASRTestSupport.scratch.appendingPathComponent("catalog.arpa").path
        try Data(model.arpa).write(to: URL(fileURLWithPath: path))
        #expect(model.statistics.unigrams > 500)
        let decoder = try SpeechDecoder(configuration: .init())
        try decoder.setLanguageModel([.init(name: "catalog", source: .file(path), weight: 1)])
    }
}
