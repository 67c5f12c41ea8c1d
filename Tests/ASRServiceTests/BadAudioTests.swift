import ASRService
import Foundation
import Protos
import RPCCore
import ServiceKit
import Testing

@Suite struct BadAudioTests {
    static let tone = (0..<16_000).map { Int16(8_000 * sin(Double($0) * 2 * .pi * 440 / 16_000)) }
    static var wav: Data { WAVFile.make(samples: tone, rate: 16_000) }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let audio: Data
        var config = ASRV1.RecognitionConfig()
        let status: StatusCode
        let message: String
        var testDescription: String { name }
    }

    static func config(_ change: (inout ASRV1.RecognitionConfig) -> Void) -> ASRV1.RecognitionConfig {
        var config = ASRV1.RecognitionConfig()
        change(&config)
        return config
    }

    static let cases: [Case] = [
        Case(name: "empty", audio: Data(), status: .invalidArgument, message: "empty"),
        Case(name: "not a WAV", audio: Data("hello, this is text".utf8), status: .invalidArgument, message: "RIFF"),
        Case(name: "RIFF but not WAVE", audio: { var d = wav; d.replaceSubrange(8..<12, with: Data("AVI ".utf8)); return d }(),
             status: .invalidArgument, message: "not WAVE"),
        Case(name: "truncated header", audio: wav.prefix(30), status: .invalidArgument, message: "incomplete"),
        Case(name: "header only", audio: wav.prefix(44), status: .invalidArgument, message: "no samples"),
        Case(name: "8-bit PCM", audio: WAVFile.make(samples: tone, rate: 16_000, bits: 8), status: .invalidArgument, message: "8-bit"),
        Case(name: "IEEE float", audio: WAVFile.make(samples: tone, rate: 16_000, format: 3, bits: 32), status: .invalidArgument,
             message: "IEEE float"),
        Case(name: "mu-law", audio: WAVFile.make(samples: tone, rate: 16_000, format: 7), status: .invalidArgument, message: "µ-law"),
        Case(name: "3 channels", audio: WAVFile.make(samples: tone, rate: 16_000, channels: 3), status: .invalidArgument,
             message: "3 channels"),
        Case(name: "4 kHz", audio: WAVFile.make(samples: tone, rate: 4_000), status: .invalidArgument, message: "4000 Hz"),
        Case(name: "96 kHz", audio: WAVFile.make(samples: tone, rate: 96_000), status: .invalidArgument, message: "96000 Hz"),
        Case(name: "raw PCM without a rate", audio: Data(count: 3_200), config: config { $0.format = .pcm16 }, status: .invalidArgument,
             message: "sample_rate"),
        Case(name: "raw PCM, half a sample", audio: Data(count: 3_201), config: config { $0.format = .pcm16; $0.sampleRate = 16_000 },
             status: .invalidArgument, message: "middle of a sample"),
        Case(name: "unknown format", audio: wav, config: config { $0.format = .unrecognized(9) }, status: .invalidArgument,
             message: "Unknown audio format"),
        Case(name: "too many alternatives", audio: wav, config: config { $0.maxAlternatives = 50 }, status: .invalidArgument,
             message: "max_alternatives"),
        Case(name: "unsupported locale", audio: wav, config: config { $0.locale = "fr-FR" }, status: .invalidArgument, message: "fr-FR"),
        Case(name: "too long", audio: WAVFile.make(samples: [Int16](repeating: 0, count: 8_000 * 31), rate: 8_000),
             status: .resourceExhausted, message: "longer than the limit of 30 seconds"),
        Case(name: "too large", audio: WAVFile.make(samples: [Int16](repeating: 0, count: 1_056_000), rate: 48_000),
             status: .resourceExhausted, message: "larger than the limit"),
    ]

    @Test(arguments: cases)
    func badAudioGetsTheRightStatus(_ bad: Case) async throws {
        let harness = try await ASRHarness.shared.value
        do {
            _ = try await harness.client.recognize(ASRV1.RecognizeRequest(config: bad.config, audio: [UInt8](bad.audio)))
            Issue.record("\(bad.name) was accepted")
        } catch let error as RPCError {
            #expect(error.code == bad.status, "\(bad.name): \(error)")
            #expect(error.message.contains(bad.message), "\(bad.name): \(error.message)")
        }
        #expect(harness.health.status(of: "") == .serving)
    }

    @Test(arguments: cases.filter { $0.name != "too many alternatives" && $0.name != "unsupported locale" && $0.name != "unknown format" })
    func badStreamedAudioGetsTheRightStatus(_ bad: Case) async throws {
        let harness = try await ASRHarness.shared.value
        let bytes = [UInt8](bad.audio)
        do {
            _ = try await harness.client.streamingRecognize { writer in
                try await writer.write(ASRV1.AudioChunk(config: bad.config, audio: Array(bytes.prefix(4_000))))
                var offset = 4_000
                while offset < bytes.count {
                    try await writer.write(ASRV1.AudioChunk(audio: Array(bytes[offset..<min(bytes.count, offset + 64_000)])))
                    offset += 64_000
                }
            } _: { responses in
                for try await _ in responses {}
            }
            Issue.record("\(bad.name) was accepted")
        } catch let error as RPCError {
            #expect(error.code == bad.status, "\(bad.name): \(error)")
            #expect(error.message.contains(bad.message), "\(bad.name): \(error.message)")
        }
    }

    @Test func streamWithoutConfigIsRejected() async throws {
        let harness = try await ASRHarness.shared.value
        await #expect(throws: RPCError.self) {
            try await harness.client.streamingRecognize { writer in
                try await writer.write(ASRV1.AudioChunk(audio: [UInt8](Self.wav)))
            } _: { responses in
                for try await _ in responses {}
            }
        }
    }
}
