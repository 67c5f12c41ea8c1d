import Foundation
import NLUService
import TestSupport
import Testing

@Suite("Trained models")
struct ModelTests {
    @Test func heldOutAccuracyAndSlotF1() async throws {
        #expect(Shared.heldOut.count >= 200)
        let evaluation = try await TestSupport.onOwnThread {
            Evaluation.evaluate(Shared.model, on: Shared.heldOut, gazetteer: Shared.gazetteer)
        }
        print("held-out: \(evaluation)")
        #expect(evaluation.intentAccuracy >= 0.95, "\(evaluation)")
        #expect(evaluation.slotF1 >= 0.90, "\(evaluation)")
    }

    @Test func builtModelEqualsAFreshTrainingRun() async throws {
        // Training is CPU-bound for seconds: off the cooperative pool, which timing tests need.
        let (built, fresh) = try await TestSupport.onOwnThread { (Shared.model.serialized(), Shared.freshlyTrained.serialized()) }
        #expect(built == fresh, "services/nlu-svc/model/nlu.model is stale: run `make nlu-model`")
    }

    @Test func everyIntentIsCovered() throws {
        let data = try TaggedUtterance.load(directory: Shared.dataDirectory)
        let counts = Dictionary(grouping: data, by: \.intent).mapValues(\.count)
        #expect(counts.count == 15)
        for (intent, count) in counts { #expect(count >= 100, "\(intent): \(count)") }
        let heldOutWords = Set(Shared.heldOut.map { $0.tokens.joined(separator: " ") })
        #expect(data.allSatisfy { !heldOutWords.contains($0.tokens.joined(separator: " ")) })
    }

    @Test func serializationRoundTrips() throws {
        let bytes = Shared.model.serialized()
        let copy = try NLUModel(serialized: bytes)
        #expect(copy.serialized() == bytes)
        #expect(throws: NLUError.self) { try NLUModel(serialized: Array(bytes.prefix(100))) }
        #expect(throws: NLUError.self) { try NLUModel(serialized: Array("not a model".utf8)) }
    }

    @Test func trainingIsDeterministicAndSeeded() async throws {
        let (first, second, third) = try await TestSupport.onOwnThread { () throws -> ([UInt8], [UInt8], [UInt8]) in
            let data = Array(try TaggedUtterance.load(directory: Shared.dataDirectory).prefix(400))
            let settings = NLUModel.TrainingSettings(seed: 1, taggerEpochs: 2, classifierEpochs: 2)
            var other = settings
            other.seed = 2
            return (
                NLUModel.train(data, gazetteer: Shared.gazetteer, settings: settings).serialized(),
                NLUModel.train(data, gazetteer: Shared.gazetteer, settings: settings).serialized(),
                NLUModel.train(data, gazetteer: Shared.gazetteer, settings: other).serialized()
            )
        }
        #expect(first == second)
        #expect(third != first)
    }

    @Test func dataFormat() throws {
        let line = try #require(try TaggedUtterance(line: "show:O me:O red:B-color dresses:B-category <=> search_products", where: "x"))
        #expect(line.tokens == ["show", "me", "red", "dresses"])
        #expect(line.tags == ["O", "O", "B-color", "B-category"])
        #expect(line.intent == "search_products")
        #expect(try TaggedUtterance(line: "# comment", where: "x") == nil)
        #expect(throws: NLUError.self) { try TaggedUtterance(line: "show:O me", where: "x") }
        #expect(throws: NLUError.self) { try TaggedUtterance(line: "show:X <=> a", where: "x") }
        let spans = TaggedUtterance.spans(["O", "B-price_max", "I-price_max", "I-color", "B-brand"])
        #expect(spans.map(\.name) == ["price_max", "color", "brand"])
        #expect(spans.map(\.start) == [1, 3, 4])
    }
}
