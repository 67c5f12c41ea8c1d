/// The trained models of nlu-svc: the slot tagger, the intent classifier, and the words
/// seen in training (for the out-of-scope check and the corrector).
public struct NLUModel: Sendable {
    public let tagger: SlotTagger
    public let classifier: IntentClassifier
    /// Hashes (`FeatureHash.of(2, word)`) of every word of the in-scope training utterances.
    let knownWords: Set<UInt64>
    /// How the model was trained.
    public let settings: TrainingSettings
    /// How many utterances it was trained on.
    public let trainedOn: Int

    /// Training settings; the same data and settings give the same model, byte for byte.
    public struct TrainingSettings: Hashable, Sendable {
        public var seed: UInt64
        public var taggerEpochs: Int
        public var classifierEpochs: Int

        public init(seed: UInt64 = 42, taggerEpochs: Int = 12, classifierEpochs: Int = 12) {
            self.seed = seed
            self.taggerEpochs = taggerEpochs
            self.classifierEpochs = classifierEpochs
        }
    }

    init(tagger: SlotTagger, classifier: IntentClassifier, knownWords: Set<UInt64>, settings: TrainingSettings, trainedOn: Int) {
        self.tagger = tagger
        self.classifier = classifier
        self.knownWords = knownWords
        self.settings = settings
        self.trainedOn = trainedOn
    }

    /// Whether `word` occurred in the training data.
    public func knows(_ word: String) -> Bool {
        knownWords.contains(FeatureHash.of(2, word))
    }

    /// Trains both models on `data`. The gazetteer supplies the tagger's catalog features, so
    /// the model generalizes to catalog names it was not trained on.
    public static func train(_ data: [TaggedUtterance], gazetteer: Gazetteer, settings: TrainingSettings = TrainingSettings())
        -> NLUModel
    {
        var tagNames = ["O"]
        var tagIndex = ["O": 0]
        var labels: [String] = []
        var labelIndex: [String: Int] = [:]
        for utterance in data {
            for tag in utterance.tags where tagIndex[tag] == nil {
                tagIndex[tag] = tagNames.count
                tagNames.append(tag)
            }
            if labelIndex[utterance.intent] == nil {
                labelIndex[utterance.intent] = labels.count
                labels.append(utterance.intent)
            }
        }
        // Sorted names, so the model does not depend on the order of the data files.
        tagNames = ["O"] + tagNames.dropFirst().sorted()
        labels.sort()
        for (index, tag) in tagNames.enumerated() { tagIndex[tag] = index }
        for (index, label) in labels.enumerated() { labelIndex[label] = index }
        var knownWords: Set<UInt64> = []
        var taggerExamples: [(features: [[UInt64]], tags: [Int])] = []
        var classifierExamples: [(features: [UInt64], label: Int)] = []
        for utterance in data {
            // Words of other languages in the out-of-scope examples do not make them English.
            if utterance.intent != "out_of_scope" {
                for token in utterance.tokens { knownWords.insert(FeatureHash.of(2, token)) }
            }
            let features = Features.slot(utterance.tokens, gazetteerTags: gazetteerTags(utterance.tokens, gazetteer))
            taggerExamples.append((features, utterance.tags.map { tagIndex[$0]! }))
            classifierExamples.append((Features.intent(utterance.tokens, slotTags: utterance.tags), labelIndex[utterance.intent]!))
        }
        let tagger = SlotTagger.train(taggerExamples, tags: tagNames, epochs: settings.taggerEpochs, seed: settings.seed)
        let classifier = IntentClassifier.train(
            classifierExamples, labels: labels, epochs: settings.classifierEpochs, seed: settings.seed &+ 1)
        return NLUModel(tagger: tagger, classifier: classifier, knownWords: knownWords, settings: settings, trainedOn: data.count)
    }

    /// The gazetteer's BIO tag of each token ("B-brand", "I-category", "O").
    static func gazetteerTags(_ tokens: [String], _ gazetteer: Gazetteer) -> [String] {
        var tags = [String](repeating: "O", count: tokens.count)
        for match in gazetteer.exactMatches(tokens) {
            let type = gazetteer.entries[match.entry].type.rawValue
            tags[match.start] = "B-" + type
            for index in (match.start + 1)..<match.end { tags[index] = "I-" + type }
        }
        return tags
    }

    /// Tags and classifies one tokenized utterance.
    public func predict(_ tokens: [String], gazetteer: Gazetteer) -> Prediction {
        let (tags, confidence) = tagger.tag(Features.slot(tokens, gazetteerTags: Self.gazetteerTags(tokens, gazetteer)))
        let probabilities = classifier.probabilities(Features.intent(tokens, slotTags: tags))
        let ranked = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
        return Prediction(
            tags: tags, tagConfidence: confidence,
            intents: ranked.map { (classifier.labels[$0], probabilities[$0]) })
    }

    /// What the models say about one utterance.
    public struct Prediction: Sendable {
        /// The BIO tag of each token.
        public var tags: [String]
        /// The posterior probability of each token's tag.
        public var tagConfidence: [Float]
        /// Every intent with its probability, most likely first.
        public var intents: [(label: String, probability: Float)]
    }
}
