import ASRService
import Foundation
import PocketSphinx
import Protos
import RPCCore
import RPCHTTP2Transport
import ServiceKit
import ServiceRuntime
import Synchronization
import Testing

/// A rec-svc stand-in serving only `Vocabulary`, whose catalog the test changes.
final class FakeRec: RegistrableRPCService, Sendable {
    let vocabulary: Mutex<CatalogVocabulary>
    let calls = Mutex(0)

    init(_ vocabulary: CatalogVocabulary) { self.vocabulary = Mutex(vocabulary) }

    func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(RecV1.Rec.Method.Vocabulary.descriptor) { (request: RecV1.VocabularyRequest, _) in
            self.calls.withLock { $0 += 1 }
            let current = self.vocabulary.withLock { $0 }
            var response = RecV1.VocabularyResponse()
            response.version = current.version
            if request.knownVersion == current.version {
                response.unchanged = true
                return response
            }
            response.brands = current.brands
            response.categories = current.categories
            response.colors = current.colors
            response.materials = current.materials
            response.sizes = current.sizes
            response.titleTerms = current.titleTerms.map { RecV1.TermCount(term: $0, count: 1) }
            response.titlePhrases = current.titlePhrases.map { RecV1.TermCount(term: $0, count: 2) }
            return response
        }
    }
}

@Suite struct CatalogChangeTests {
    @Test func aNewBrandIsRecognisedWithoutARestart() async throws {
        var vocabulary = try CatalogVocabulary.load(productsFile: ASRHarness.demoCatalog, version: 7)
        let rec = FakeRec(vocabulary)
        var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
        configuration.shutdownGracePeriod = .seconds(1)
        let recServer = try HTTP2Server(configuration: configuration, services: [rec], logger: ASRHarness.logger)
        let recTask = Task { try await recServer.run() }
        defer {
            recServer.beginGracefulShutdown()
            recTask.cancel()
        }
        var config = ASRServiceConfig()
        config.decoders = 1
        let harness = try await ASRHarness.start(
            config: config, source: .rec(address: "127.0.0.1:\(recServer.listeningAddress.port)"), poll: .milliseconds(200))
        defer { harness.stop() }
        let wav = try TestAudio.wav("show me funko pop figures", voice: .fliteRMS)
        let before = try await harness.recognize(wav)
        #expect(before.modelVersion == "catalog-v7")
        #expect(!(before.alternatives.first?.transcript.contains("funko") ?? false))

        // The catalog gains a brand (rec-svc bumps its vocabulary version).
        vocabulary.version = 8
        vocabulary.brands.append("Funko")
        vocabulary.titlePhrases += ["funko pop", "pop figures", "funko pop figures"]
        vocabulary.titleTerms += ["funko", "pop", "figures"]
        rec.vocabulary.withLock { $0 = vocabulary }
        // Calls keep being answered while the new decoders are built.
        let deadline = ContinuousClock.now + .seconds(120)
        var after = before
        while after.modelVersion != "catalog-v8" {
            try #require(ContinuousClock.now < deadline, "the new vocabulary was never installed")
            after = try await harness.recognize(wav)
        }
        #expect(after.alternatives.first?.transcript == "show me funko pop figures")
        #expect(harness.health.status(of: "") == .serving)
    }

    @Test func healthIsNotServingAndCallsUnavailableUntilTheModelIsLoaded() async throws {
        let gate = Mutex(false)
        let harness = try await ASRHarness.start(
            source: .provider { known in
                guard gate.withLock({ $0 }) else { throw TestAudioError("rec-svc is not there yet") }
                return known == nil ? try CatalogVocabulary.load(productsFile: ASRHarness.demoCatalog) : nil
            }, poll: .milliseconds(100), waitForModel: false)
        defer { harness.stop() }
        #expect(harness.health.status(of: "") == .notServing)
        let wav = try TestAudio.wav("check out please", voice: .fliteSLT)
        await #expect(throws: RPCError.self) { try await harness.recognize(wav) }
        do { _ = try await harness.recognize(wav) } catch let error as RPCError { #expect(error.code == .unavailable) }
        gate.withLock { $0 = true }
        try await harness.waitUntilServing()
        #expect(try await harness.recognize(wav).alternatives.first?.transcript == "check out please")
    }

    @Test func aFullPoolAnswersResourceExhausted() async throws {
        var config = ASRServiceConfig()
        config.decoders = 1
        config.maxWaiting = 0
        let harness = try await ASRHarness.start(config: config)
        defer { harness.stop() }
        let wav = try TestAudio.wav("show me red nike running shoes", voice: .fliteSLT)
        // A stream holds the only decoder while a unary call arrives.
        try await harness.client.streamingRecognize { writer in
            try await writer.write(ASRV1.AudioChunk(config: ASRV1.RecognitionConfig(), audio: [UInt8](wav.prefix(2_000))))
            while harness.pool.busyCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            do {
                _ = try await harness.recognize(wav)
                Issue.record("the second call got a decoder")
            } catch let error as RPCError {
                #expect(error.code == .resourceExhausted)
            }
        } _: { responses in
            for try await _ in responses {}
        }
        // Free again: the call goes through.
        #expect(try await harness.recognize(wav).alternatives.first?.transcript == "show me red nike running shoes")
    }
}

@Suite struct PronunciationTests {
    @Test func lettersToSoundForBrandsTheDictionaryLacks() throws {
        #expect(LetterToSound.phones(for: "lululemon") == ["L", "AH", "L", "UW", "L", "IH", "M", "AA", "N"])
        #expect(LetterToSound.phones(for: "funko") == ["F", "AH", "NG", "K", "OW"])
        let decoder = try SpeechDecoder(configuration: .init())
        #expect(!decoder.hasWord("funko"))
        #expect(decoder.addWords([("funko", LetterToSound.phones(for: "funko").joined(separator: " "))]).isEmpty)
        #expect(decoder.hasWord("funko"))
    }

    @Test func catalogModelGivesEveryOutOfDictionaryWordAPronunciation() throws {
        let decoder = try SpeechDecoder(configuration: .init())
        let vocabulary = try CatalogVocabulary.load(productsFile: ASRHarness.demoCatalog)
        let model = CatalogLanguageModel(vocabulary: vocabulary, dictionary: decoder.hasWord)
        let words = Set(model.pronunciations.map(\.word))
        #expect(words.contains("lululemon") || decoder.hasWord("lululemon"))
        #expect(words.contains("cerave"))
        #expect(decoder.addWords(model.pronunciations).isEmpty)
    }

    @Test func spokenForms() {
        #expect(SpokenForm.text("Abercrombie & Fitch") == "abercrombie and fitch")
        #expect(SpokenForm.text("L'Oréal Paris") == "l'oreal paris")
        #expect(SpokenForm.text("e.l.f. Cosmetics") == "e l f cosmetics")
        #expect(SpokenForm.text("Dr. Martens") == "doctor martens")
        #expect(SpokenForm.text("8x10") == "eight by ten")
        #expect(SpokenForm.text("10.5") == "ten and a half")
        #expect(SpokenForm.variants("WH-1000XM4", isWord: { _ in false }).first == ["w", "h", "one", "thousand", "x", "m", "four"])
        #expect(SpokenForm.variants("HDMI", isWord: { _ in false }).contains(["h", "d", "m", "i"]))
        #expect(SpokenForm.variants("JBL", isWord: { _ in false }) == [["j", "b", "l"]])
        #expect(SpokenForm.numberWords(1042) == ["one", "thousand", "forty", "two"])
        #expect(SpokenForm.pairedWords(1042) == ["ten", "forty", "two"])
        #expect(SpokenForm.digitWords(1042) == ["one", "zero", "four", "two"])
        #expect(SpokenForm.priceVariants(dollars: 39, cents: 99).first == ["thirty", "nine", "ninety", "nine"])
    }
}
