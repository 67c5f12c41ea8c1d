import Glibc
import NLUService
import Protos
import RPCHTTP2Transport
import ServiceKit
import ServiceRuntime

/// nlu-svc: text to intent, slots, filters and corrections (`voiceshop.nlu.v1.NLU/Parse`).
///
/// `nlu-svc [--model FILE] [--vocabulary-file FILE] [--rec-addr HOST:PORT]` serves Parse with
/// the trained model; the gazetteer comes from the catalog file and, with `--rec-addr`, follows
/// rec-svc's Vocabulary. `nlu-svc train …` and `nlu-svc evaluate …` train and score models.
@main
enum Entrypoint {
    static let flags = ["model", "vocabulary-file", "rec-addr", "vocabulary-interval-seconds", "confidence-threshold", "english-words"]

    static func main() async {
        if let verb = CommandLine.arguments.dropFirst().first, verb == "train" || verb == "evaluate" {
            exit(NLUTraining.command(Array(CommandLine.arguments.dropFirst())))
        }
        if CommandLine.arguments.dropFirst().first == "benchmark" {
            exit(await Benchmark.run(Array(CommandLine.arguments.dropFirst(2))))
        }
        await ServiceMain.run(name: "nlu-svc", defaultPort: 50062, defaultMetricsPort: 9162, extraFlags: flags) { setup in
            let options = setup.options
            let modelFile = options.value("model") ?? NLUTraining.defaultModelFile
            let model: NLUModel
            let vocabulary: CatalogVocabulary
            do {
                model = try NLUModel.load(file: modelFile)
                vocabulary = try NLUTraining.vocabulary(file: options.value("vocabulary-file") ?? NLUTraining.defaultVocabularyFile)
            } catch {
                throw ServiceOptions.ConfigurationError("\(error) (set --model and --vocabulary-file, or run from the repository root)")
            }
            let threshold = Float(options.value("confidence-threshold") ?? "0.5") ?? -1
            guard (0...1).contains(threshold) else { throw ServiceOptions.ConfigurationError("--confidence-threshold must be from 0 to 1") }
            let interval = Int(options.value("vocabulary-interval-seconds") ?? "30") ?? 0
            guard interval >= 1 else { throw ServiceOptions.ConfigurationError("--vocabulary-interval-seconds must be at least 1") }
            let englishWords: EnglishWords
            do {
                englishWords = try EnglishWords.load(file: options.value("english-words") ?? EnglishWords.defaultFile)
            } catch {
                throw ServiceOptions.ConfigurationError(
                    "\(error) (--english-words: install Debian's wamerican for \(EnglishWords.defaultFile), or pass --english-words none to correct on spelling alone)"
                )
            }
            let engine = NLUEngine(model: model, vocabulary: vocabulary, confidenceThreshold: threshold, englishWords: englishWords)
            var background: [any Service] = []
            if let address = options.value("rec-addr") {
                let channel = try HTTP2Channel(target: address)
                background.append(
                    VocabularySync(client: RecV1.Rec.Client(channel: channel), engine: engine, interval: .seconds(interval), logger: setup.logger))
            }
            return ServiceParts(rpcServices: [NLURPCService(engine: engine, metrics: NLUMetrics(registry: setup.metrics, engine: engine))], backgroundServices: background)
        }
    }
}
