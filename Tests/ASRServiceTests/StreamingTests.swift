@testable import ASRService
import Foundation
import Protos
import Testing

@Suite struct StreamingTests {
    @Test(arguments: [TestAudio.Voice.fliteSLT, .festivalHTS, .fliteKAL])
    func partialsComeBeforeTheFinalWhichEqualsUnary(voice: TestAudio.Voice) async throws {
        let harness = try await ASRHarness.shared.value
        let wav = try TestAudio.wav("where is my order one zero four two", voice: voice)
        let unary = try await harness.recognize(wav)
        let responses = try await harness.stream(wav, chunkBytes: 1_000)
        let partials = responses.compactMap { if case .partial(let p)? = $0.result { return p } else { return nil } }
        let finals = responses.compactMap { if case .final(let f)? = $0.result { return f } else { return nil } }
        #expect(!partials.isEmpty, "no partial results")
        #expect(finals.count == 1)
        if case .final? = responses.last?.result {} else { Issue.record("the final result is not last") }
        #expect(finals.first == unary, "stream final \(finals.first.map { "\($0)" } ?? "-") != unary \(unary)")
        if voice != .fliteKAL {  // kal is 8 kHz telephone speech: "one" may come out as "on"
            #expect(unary.alternatives.first?.transcript == "where is my order one zero four two")
        }
    }

    @Test func aDenoisedStreamEqualsTheUnaryResult() async throws {
        let harness = try await ASRHarness.shared.value
        let wav = try TestAudio.wav("show me red nike running shoes", voice: .fliteSLT, snr: 10)
        let unary = try await harness.recognize(wav)
        let final = try await harness.stream(wav, chunkBytes: 1_111).last?.final
        // The stream ends at the endpoint, before the trailing noise is all sent: its audio is
        // shorter, and what was recognised is the same.
        #expect(final?.alternatives == unary.alternatives, "stream final \(final.map { "\($0)" } ?? "-") != unary \(unary)")
        #expect(final?.speechSeconds == unary.speechSeconds)
        #expect(!unary.alternatives.isEmpty)
    }

    @Test func chunkingDoesNotChangeTheResult() async throws {
        let harness = try await ASRHarness.shared.value
        let wav = try TestAudio.wav("show me red nike running shoes", voice: .fliteRMS)
        let small = try await harness.stream(wav, chunkBytes: 333).last?.final
        let large = try await harness.stream(wav, chunkBytes: 32_000).last?.final
        #expect(small == large)
    }

    @Test func endpointEndsTheUtteranceWhileAudioStillArrives() async throws {
        let harness = try await ASRHarness.shared.value
        var wav = try TestAudio.wav("track my package", voice: .fliteSLT)
        // Three seconds of silence after the speech: the endpoint comes before the audio ends.
        let silence = Data(count: 16_000 * 2 * 3)
        wav.append(silence)
        let size = UInt32(wav.count - 8)
        wav.replaceSubrange(4..<8, with: withUnsafeBytes(of: size.littleEndian) { Data($0) })
        // The data chunk size is left as flite wrote it, so the extra silence is ignored by the
        // header; mark it "to the end" instead.
        if let range = wav.range(of: Data("data".utf8)) {
            wav.replaceSubrange(range.upperBound..<(range.upperBound + 4), with: Data([0xFF, 0xFF, 0xFF, 0xFF]))
        }
        let responses = try await harness.stream(wav, chunkBytes: 3_200)
        let final = try #require(responses.last?.final)
        #expect(final.alternatives.first?.transcript == "track my package")
        #expect(final.audioSeconds < Double(wav.count) / 32_000 - 1, "the endpoint did not end the utterance early")
    }
}

@Suite struct ResultShapeTests {
    @Test func nBestWordTimingsAndConfidences() async throws {
        let harness = try await ASRHarness.shared.value
        let wav = try TestAudio.wav("show me lululemon leggings under fifty dollars", voice: .fliteRMS)
        let response = try await harness.recognize(wav, alternatives: 5)
        let best = try #require(response.alternatives.first)
        #expect(best.transcript == "show me lululemon leggings under fifty dollars")
        #expect(response.alternatives.count > 1 && response.alternatives.count <= 5)
        #expect(Set(response.alternatives.map(\.transcript)).count == response.alternatives.count)
        #expect(zip(response.alternatives, response.alternatives.dropFirst()).allSatisfy { $0.confidence >= $1.confidence })
        #expect(best.confidence > 0 && best.confidence <= 1)
        #expect(best.words.map(\.word) == best.transcript.split(separator: " ").map(String.init))
        #expect(zip(best.words, best.words.dropFirst()).allSatisfy { $0.endSeconds <= $1.startSeconds + 0.001 })
        #expect(best.words.allSatisfy { $0.startSeconds < $0.endSeconds && $0.confidence >= 0 && $0.confidence <= 1 })
        #expect(response.audioSeconds > 2 && response.speechSeconds > 1 && response.speechSeconds <= response.audioSeconds)
        #expect(response.modelVersion == "catalog-v0")
    }

    @Test func silenceGivesNoAlternatives() async throws {
        let harness = try await ASRHarness.shared.value
        let response = try await harness.recognize(WAVFile.make(samples: [Int16](repeating: 0, count: 16_000), rate: 16_000))
        #expect(response.alternatives.isEmpty)
        #expect(abs(response.audioSeconds - 1) < 0.001)
    }

    @Test func hintsMoveMatchingAlternativesUp() async throws {
        let harness = try await ASRHarness.shared.value
        let wav = try TestAudio.wav("show me red nike running shoes", voice: .fliteSLT)
        let plain = try await harness.recognize(wav, alternatives: 10)
        // Hinting a runner-up's distinctive words makes it the best: the first runner-up with a
        // distinctive word that is not a stop word (hints ignore those: "or" says nothing).
        let best = plain.alternatives[0].transcript.split(separator: " ").map(String.init)
        func distinctiveWords(_ transcript: String) -> [String] {
            transcript.split(separator: " ").map(String.init).filter { !best.contains($0) && !HintBias.stopWords.contains($0) }
        }
        let second = try #require(plain.alternatives.dropFirst().map(\.transcript).first { !distinctiveWords($0).isEmpty })
        let distinctive = distinctiveWords(second)
        let hinted = try await harness.recognize(wav, hints: [distinctive.joined(separator: " ")], alternatives: 3)
        #expect(hinted.alternatives.first?.transcript == second)
        // Hints only apply to their own call.
        #expect(try await harness.recognize(wav).alternatives.first?.transcript == plain.alternatives[0].transcript)
    }
}

/// Small WAV writer for hand-made test audio.
enum WAVFile {
    static func make(samples: [Int16], rate: Int, channels: Int = 1, format: UInt16 = 1, bits: UInt16 = 16) -> Data {
        var data = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        let bytes = samples.count * 2
        data.append(contentsOf: Array("RIFF".utf8))
        u32(UInt32(36 + bytes))
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16)
        u16(format)
        u16(UInt16(channels))
        u32(UInt32(rate))
        u32(UInt32(rate * channels * Int(bits) / 8))
        u16(UInt16(channels * Int(bits) / 8))
        u16(bits)
        data.append(contentsOf: Array("data".utf8))
        u32(UInt32(bytes))
        for sample in samples { u16(UInt16(bitPattern: sample)) }
        return data
    }
}
