import Foundation
import NLUService
import TestSupport

/// The shipped model, data and vocabulary, loaded once per test run (training takes a while
/// in a debug build, so the fresh training run is shared too).
enum Shared {
    static let root = TestSupport.repositoryRoot.path
    static let dataDirectory = root + "/" + NLUTraining.defaultDataDirectory
    static let modelFile = root + "/" + NLUTraining.defaultModelFile
    static let vocabulary: CatalogVocabulary = try! CatalogVocabulary.load(productsFile: root + "/" + NLUTraining.defaultVocabularyFile)
    static let gazetteer = Gazetteer(vocabulary)
    static let model: NLUModel = try! NLUModel.load(file: modelFile)
    /// Debian's wamerican list, which scripts/setup installs and nlu-svc loads by default.
    static let englishWords: EnglishWords = try! EnglishWords.load(file: EnglishWords.defaultFile)
    static let engine = NLUEngine(model: model, vocabulary: vocabulary, englishWords: englishWords)
    /// A fresh training run with the default settings (what `nlu-svc train` does).
    static let freshlyTrained: NLUModel = try! NLUTraining.train(dataDirectory: dataDirectory, vocabulary: vocabulary).model
    static let heldOut: [TaggedUtterance] = try! TaggedUtterance.load(file: dataDirectory + "/test.txt")
}
