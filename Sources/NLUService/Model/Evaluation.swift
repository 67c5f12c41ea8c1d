/// Intent accuracy and slot F1 of a model on tagged utterances, the way the ATIS and SNIPS
/// literature reports them: accuracy over exact intent labels, and span-level micro F1
/// (a slot counts only when its name and both ends are right, conlleval's rule).
public struct Evaluation: Sendable, CustomStringConvertible {
    public var utterances = 0
    public var intentCorrect = 0
    public var goldSlots = 0
    public var predictedSlots = 0
    public var correctSlots = 0
    /// Utterances whose intent or slots were wrong, for reading: (line, predicted intent, predicted tags).
    public var errors: [(utterance: TaggedUtterance, intent: String, tags: [String])] = []

    public var intentAccuracy: Double { utterances == 0 ? 0 : Double(intentCorrect) / Double(utterances) }
    public var slotPrecision: Double { predictedSlots == 0 ? 0 : Double(correctSlots) / Double(predictedSlots) }
    public var slotRecall: Double { goldSlots == 0 ? 0 : Double(correctSlots) / Double(goldSlots) }
    public var slotF1: Double {
        let sum = slotPrecision + slotRecall
        return sum == 0 ? 0 : 2 * slotPrecision * slotRecall / sum
    }

    /// Evaluates `model` on `data`.
    public static func evaluate(_ model: NLUModel, on data: [TaggedUtterance], gazetteer: Gazetteer) -> Evaluation {
        var result = Evaluation()
        for utterance in data {
            let prediction = model.predict(utterance.tokens, gazetteer: gazetteer)
            result.add(utterance, intent: prediction.intents.first?.label ?? "", tags: prediction.tags)
        }
        return result
    }

    mutating func add(_ utterance: TaggedUtterance, intent: String, tags: [String]) {
        utterances += 1
        if intent == utterance.intent { intentCorrect += 1 }
        let gold = TaggedUtterance.spans(utterance.tags)
        let predicted = TaggedUtterance.spans(tags)
        goldSlots += gold.count
        predictedSlots += predicted.count
        var goldSet: Set<String> = []
        for span in gold { goldSet.insert("\(span.name)|\(span.start)|\(span.end)") }
        var correct = 0
        for span in predicted where goldSet.contains("\(span.name)|\(span.start)|\(span.end)") { correct += 1 }
        correctSlots += correct
        if intent != utterance.intent || correct != gold.count || predicted.count != gold.count {
            errors.append((utterance, intent, tags))
        }
    }

    public var description: String {
        "intent accuracy \(percent(intentAccuracy)) (\(intentCorrect)/\(utterances)), slot F1 \(percent(slotF1)) "
            + "(precision \(percent(slotPrecision)), recall \(percent(slotRecall)), \(goldSlots) slots)"
    }

    private func percent(_ value: Double) -> String {
        let tenths = Int((value * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
