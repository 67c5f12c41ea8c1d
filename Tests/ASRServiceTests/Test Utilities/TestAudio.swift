import Foundation
import TestSupport

/// Test speech made at test time by flite, festival (HTS) and espeak-ng, mixed with pink
/// noise by sox, and cached under `.voiceshop/asr-test/audio` (never committed).
enum TestAudio {
    /// The synthesizers and voices.
    enum Voice: String, CaseIterable, Sendable {
        case fliteSLT = "flite-slt", fliteRMS = "flite-rms", fliteAWB = "flite-awb", fliteKAL16 = "flite-kal16"
        case fliteKAL = "flite-kal", festivalHTS = "festival-slt-hts", espeak = "espeak-ng"

        static let flite: [Voice] = [.fliteSLT, .fliteRMS, .fliteAWB]
    }

    /// Shopping queries across the intents, in spoken form (what the reference transcript is).
    static let queries: [String] = [
        // search
        "show me red nike running shoes",
        "i'm looking for a black leather jacket",
        "find me a blue linen summer dress",
        "do you have patagonia fleece jackets in size medium",
        "show me lululemon leggings under fifty dollars",
        "search for wireless headphones",
        "i need a queen size comforter",
        "show me lego building sets",
        "find levi's jeans in size thirty two",
        "show me the north face puffer jackets",
        // price
        "how much is the bose headphones",
        "what's the price of the apple watch",
        "how much are the birkenstock sandals",
        // reviews
        "what do people say about the sony headphones",
        "show me reviews for the instant pot",
        "read me the reviews",
        // cart
        "add the second one to my cart",
        "add two of those to the cart",
        "remove the hoodie from my cart",
        "what's in my cart",
        // checkout
        "i want to check out",
        "place my order",
        // orders and tracking
        "where is my order one zero four two",
        "what's the status of order one zero four two",
        "track my package",
        "track order two three five eight",
        // returns
        "i want to return my order",
        "return the adidas sneakers",
        "start a return for order one zero four two",
        "cancel my order",
    ]

    static let directory: URL = {
        let url = ASRTestSupport.scratch.appendingPathComponent("audio")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// The WAV of `text` said by `voice`, made once and cached. `snr` adds pink noise at that
    /// signal-to-noise ratio (dB, over the speech), after padding 0.5 s of silence each side.
    static func wav(_ text: String, voice: Voice, snr: Double? = nil) throws -> Data {
        let key = text.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "'", with: "")
        let clean = directory.appendingPathComponent("\(voice.rawValue)-\(key).wav")
        if !FileManager.default.fileExists(atPath: clean.path) {
            // Tests run in parallel and may make the same file at once: each maker writes its own
            // temporary file and renames it into place (rename(2) replaces atomically).
            let unique = UUID().uuidString
            let temporary = clean.path + ".\(unique).tmp.wav"
            switch voice {
            case .festivalHTS:
                let script = temporary + ".txt"
                try text.write(toFile: script, atomically: true, encoding: .utf8)
                defer { try? FileManager.default.removeItem(atPath: script) }
                try run("/usr/bin/text2wave", [script, "-eval", "(voice_cmu_us_slt_arctic_hts)", "-o", temporary])
            case .espeak:
                try run("/usr/bin/espeak-ng", ["-v", "en-us", "-w", temporary, text])
            default:
                let name = String(voice.rawValue.dropFirst("flite-".count))
                try run("/usr/bin/flite", ["-voice", name, "-t", text, "-o", temporary])
            }
            try replace(clean.path, with: temporary)
        }
        guard let snr else { return try Data(contentsOf: clean) }
        let noisy = directory.appendingPathComponent("\(voice.rawValue)-\(key)-snr\(Int(snr)).wav")
        if !FileManager.default.fileExists(atPath: noisy.path) {
            let unique = UUID().uuidString
            let padded = noisy.path + ".\(unique).pad.wav"
            let noise = noisy.path + ".\(unique).noise.wav"
            defer {
                try? FileManager.default.removeItem(atPath: padded)
                try? FileManager.default.removeItem(atPath: noise)
            }
            let speechRMS = try rms(clean.path)
            try run("/usr/bin/sox", [clean.path, padded, "pad", "0.5", "0.5"])
            let rate = try soxi(padded, "-r")
            let seconds = try soxi(padded, "-D")
            // Seeded pink noise, scaled to the wanted SNR against the speech's RMS.
            try run("/usr/bin/sox", ["-R", "-n", "-r", rate, "-c", "1", "-b", "16", noise, "synth", seconds, "pinknoise", "vol", "0.5"])
            let noiseRMS = try rms(noise)
            let gain = speechRMS / noiseRMS / pow(10, snr / 20)
            let temporary = noisy.path + ".\(unique).tmp.wav"
            try run("/usr/bin/sox", ["-m", "-v", "1", padded, "-v", String(gain), noise, "-b", "16", temporary])
            try replace(noisy.path, with: temporary)
        }
        return try Data(contentsOf: noisy)
    }

    /// Moves `temporary` to `path`, replacing a copy another test made meanwhile.
    private static func replace(_ path: String, with temporary: String) throws {
        guard rename(temporary, path) == 0 else { throw TestAudioError("cannot rename \(temporary) to \(path): errno \(errno)") }
    }

    private static func rms(_ path: String) throws -> Double {
        let (_, output) = try TestSupport.runCommand("/usr/bin/sox", [path, "-n", "stat"])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("RMS     amplitude") }),
            let value = Double(line.split(separator: " ").last ?? "")
        else { throw TestAudioError("sox stat printed no RMS for \(path): \(output)") }
        return value
    }

    private static func soxi(_ path: String, _ flag: String) throws -> String {
        let (status, output) = try TestSupport.runCommand("/usr/bin/soxi", [flag, path])
        guard status == 0 else { throw TestAudioError("soxi \(flag) \(path) failed: \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let (status, output) = try TestSupport.runCommand(tool, arguments)
        guard status == 0 else { throw TestAudioError("\(tool) \(arguments.joined(separator: " ")) failed (\(status)): \(output)") }
    }

    /// The LibriVox clips of Debian's pocketsphinx-testdata with their transcripts.
    static func librivox() throws -> [(audio: Data, transcript: String)] {
        let base = "/usr/share/pocketsphinx/test/data/librivox"
        let lines = try String(contentsOfFile: "\(base)/transcription", encoding: .utf8).split(separator: "\n")
        return try lines.map { line in
            let text = String(line)
            let id = String(text[text.index(after: text.lastIndex(of: "(")!)..<text.lastIndex(of: ")")!])
            let words = text.split(separator: " ").filter { !$0.hasPrefix("<") && !$0.hasPrefix("(") }.joined(separator: " ")
            return (try Data(contentsOf: URL(fileURLWithPath: "\(base)/\(id).wav")), words)
        }
    }
}

struct TestAudioError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Word error rate: (substitutions + deletions + insertions) / reference words, by edit distance.
struct WordErrors: Sendable, CustomStringConvertible {
    var errors = 0
    var words = 0
    var sentences = 0
    var exact = 0

    mutating func add(reference: String, hypothesis: String) {
        // The usual normalisation: "mr" is said "mister".
        let spoken: [String: String] = ["mr": "mister", "mrs": "missus", "dr": "doctor"]
        let r = reference.split(separator: " ").map { spoken[String($0)] ?? String($0) }
        let h = hypothesis.split(separator: " ").map { spoken[String($0)] ?? String($0) }
        var previous = Array(0...h.count)
        for i in 1...max(r.count, 1) where !r.isEmpty {
            var current = [i] + Array(repeating: 0, count: h.count)
            for j in stride(from: 1, through: h.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1))
            }
            previous = current
        }
        errors += r.isEmpty ? h.count : previous[h.count]
        words += r.count
        sentences += 1
        if r == h { exact += 1 }
    }

    var rate: Double { words == 0 ? 0 : Double(errors) / Double(words) }
    var description: String {
        "WER \(String(format: "%.1f", rate * 100))% (\(errors)/\(words) words), \(exact)/\(sentences) sentences exact"
    }
}
