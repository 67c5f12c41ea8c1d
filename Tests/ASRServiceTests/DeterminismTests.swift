import ASRService
import Foundation
import Protos
import Testing

/// A decoder is reused call after call, and after each one it is reset off the caller's time
/// (`UtteranceEngine.reset`): results must never depend on what it decoded before.
@Suite struct DeterminismTests {
    @Test func aResultDoesNotDependOnEarlierCallsOnTheSameDecoder() async throws {
        var config = ASRServiceConfig()
        config.decoders = 1
        config.limits.maxBytes = 2_000_000
        let harness = try await ASRHarness.start(config: config)
        defer { harness.stop() }
        let probe = try TestAudio.wav("show me red summer dresses under fifty dollars", voice: .fliteRMS)
        let first = try await harness.recognize(probe, alternatives: 5)
        #expect(first.alternatives.first?.transcript == "show me red summer dresses under fifty dollars")
        // Other audio in between: another voice, pink noise, a stream that stops mid-sentence.
        _ = try await harness.recognize(try TestAudio.wav("add two of those to my cart", voice: .festivalHTS), alternatives: 5)
        _ = try await harness.recognize(try TestAudio.wav("where is my order one zero four two", voice: .fliteAWB, snr: 10))
        let cutOff = try TestAudio.wav("what do people say about the sony headphones", voice: .fliteSLT)
        _ = try await harness.stream(cutOff.prefix(cutOff.count / 2), chunkBytes: 4_000)
        let again = try await harness.recognize(probe, alternatives: 5)
        #expect(again == first, "after other calls \(again) != first \(first)")
    }
}
