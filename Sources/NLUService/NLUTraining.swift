internal import ServiceRuntime
internal import Glibc

/// `nlu-svc train` and `nlu-svc evaluate`: train from data files, score on a test file.
public enum NLUTraining {
    /// Where the shipped files are, relative to the repository root (the working directory of
    /// `make` and of the tests).
    public static let defaultDataDirectory = "services/nlu-svc/data"
    public static let defaultModelFile = "services/nlu-svc/model/nlu.model"
    public static let defaultVocabularyFile = "services/rec-svc/demo/products.jsonl"

    /// The vocabulary in `path`, or an empty one for "" or "none" (a corpus without a catalog,
    /// such as ATIS).
    public static func vocabulary(file path: String) throws -> CatalogVocabulary {
        path.isEmpty || path == "none" ? CatalogVocabulary() : try CatalogVocabulary.load(productsFile: path)
    }

    /// Trains on every training file in `dataDirectory` (`*.txt` not named `test*`).
    public static func train(
        dataDirectory: String, vocabulary: CatalogVocabulary, settings: NLUModel.TrainingSettings = .init()
    ) throws -> (model: NLUModel, examples: Int, seconds: Double) {
        let data = try TaggedUtterance.load(directory: dataDirectory)
        guard !data.isEmpty else {
            throw NLUError(code: .badData, message: "no training utterances in \(dataDirectory) (*.txt, not test*)")
        }
        let start = ContinuousClock.now
        let model = NLUModel.train(data, gazetteer: Gazetteer(vocabulary), settings: settings)
        let elapsed = ContinuousClock.now - start
        return (model, data.count, elapsed.inSeconds)
    }

    /// The command line of `nlu-svc train` and `nlu-svc evaluate`; returns the exit status.
    ///
    ///     nlu-svc train [--data DIR] [--out FILE] [--vocabulary-file FILE|none] [--seed N]
    ///                   [--tagger-epochs N] [--classifier-epochs N] [--test FILE]
    ///     nlu-svc evaluate [--model FILE] [--test FILE] [--vocabulary-file FILE|none] [--errors N]
    public static func command(_ arguments: [String]) -> Int32 {
        guard let verb = arguments.first else { return 2 }
        var options: [String: String] = [:]
        var index = 1
        while index < arguments.count {
            let flag = arguments[index]
            guard flag.hasPrefix("--"), index + 1 < arguments.count else {
                printError("nlu-svc \(verb): expected --flag value, got '\(flag)'")
                return 2
            }
            options[String(flag.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
        let known: Set<String> =
            verb == "train"
            ? ["data", "out", "vocabulary-file", "seed", "tagger-epochs", "classifier-epochs", "test"]
            : ["model", "test", "vocabulary-file", "errors"]
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            printError("nlu-svc \(verb): unknown flag --\(unknown); known: \(known.sorted().map { "--" + $0 }.joined(separator: ", "))")
            return 2
        }
        do {
            let vocabulary = try self.vocabulary(file: options["vocabulary-file"] ?? defaultVocabularyFile)
            let gazetteer = Gazetteer(vocabulary)
            let model: NLUModel
            if verb == "train" {
                var settings = NLUModel.TrainingSettings()
                if let seed = options["seed"] {
                    guard let value = UInt64(seed) else { printError("--seed must be a whole number"); return 2 }
                    settings.seed = value
                }
                if let epochs = options["tagger-epochs"] {
                    guard let value = Int(epochs), value > 0 else { printError("--tagger-epochs must be > 0"); return 2 }
                    settings.taggerEpochs = value
                }
                if let epochs = options["classifier-epochs"] {
                    guard let value = Int(epochs), value > 0 else { printError("--classifier-epochs must be > 0"); return 2 }
                    settings.classifierEpochs = value
                }
                let data = options["data"] ?? defaultDataDirectory
                let out = options["out"] ?? defaultModelFile
                let result = try train(dataDirectory: data, vocabulary: vocabulary, settings: settings)
                model = result.model
                try model.save(file: out)
                print(
                    "{\"trained_on\":\(result.examples),\"seconds\":\(result.seconds),\"model\":\"\(out)\","
                        + "\"bytes\":\(model.serialized().count),\"version\":\"\(model.fingerprint)\"}")
            } else {
                model = try NLUModel.load(file: options["model"] ?? defaultModelFile)
            }
            if let test = options["test"] ?? (verb == "evaluate" ? defaultDataDirectory + "/test.txt" : nil) {
                let data = try TaggedUtterance.load(file: test)
                let start = ContinuousClock.now
                let evaluation = Evaluation.evaluate(model, on: data, gazetteer: gazetteer)
                let elapsed = ContinuousClock.now - start
                let perUtterance = Double(elapsed.components.attoseconds) / 1e12 / Double(max(data.count, 1))
                    + Double(elapsed.components.seconds) * 1e6 / Double(max(data.count, 1))
                print(
                    "{\"test\":\"\(test)\",\"utterances\":\(evaluation.utterances),\"intent_accuracy\":\(evaluation.intentAccuracy),"
                        + "\"slot_f1\":\(evaluation.slotF1),\"slot_precision\":\(evaluation.slotPrecision),"
                        + "\"slot_recall\":\(evaluation.slotRecall),\"us_per_utterance\":\(perUtterance)}")
                for error in evaluation.errors.prefix(Int(options["errors"] ?? "0") ?? 0) {
                    print("  \(error.utterance.line)\n    -> \(error.intent): \(error.tags.joined(separator: " "))")
                }
            }
            return 0
        } catch {
            printError("nlu-svc \(verb): \(error)")
            return 1
        }
    }

    static func printError(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
