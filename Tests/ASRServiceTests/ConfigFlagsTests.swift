@testable import ASRService
import PocketSphinx
import Testing

@Suite struct ConfigFlagsTests {
    static func parse(_ flags: [String: String]) throws(ASRError) -> ASRServiceConfig {
        try ASRServiceConfig.parse { flags[$0] }.config
    }

    static func value(_ config: ASRServiceConfig, _ flag: String) -> [String] {
        config.engine.decoder.options.filter { $0.flag == flag }.map(\.value)
    }

    @Test func defaultsKeepTheForwardAndLatticePassesOnly() throws {
        let config = try Self.parse([:])
        #expect(Self.value(config, "-fwdflat") == ["no"])
        #expect(Self.value(config, "-bestpath") == ["yes"])
        #expect(Self.value(config, "-maxhmmpf").isEmpty)
    }

    @Test func decoderOptionsReplaceTheSameFlagAndAddNewOnes() throws {
        let config = try Self.parse(["decoder-options": "-bestpath no -maxhmmpf 8000 -topn 3", "beam": "1e-40"])
        // pocketsphinx refuses a flag given twice, so each flag appears once with the new value.
        #expect(Self.value(config, "-bestpath") == ["no"])
        #expect(Self.value(config, "-maxhmmpf") == ["8000"])
        #expect(Self.value(config, "-topn") == ["3"])
        #expect(Self.value(config, "-beam") == ["1e-40"])
        #expect(Self.value(config, "-fwdflat") == ["no"])
    }

    @Test func generalWordsSetsTheDictionaryCutAndZeroKeepsEveryWord() throws {
        #expect(try Self.parse([:]).engine.generalWords == 40_000)
        #expect(try Self.parse(["general-words": "25000"]).engine.generalWords == 25_000)
        #expect(try Self.parse(["general-words": "0"]).engine.generalWords == nil)
        #expect(throws: ASRError.self) { try Self.parse(["general-words": "many"]) }
    }

    @Test func denoisingFlags() throws {
        let defaults = try Self.parse([:]).denoising
        #expect(defaults.mode == .auto && defaults.belowSNR == 26 && defaults.denoiser == .rnnoise)
        #expect(defaults.suppressDB == nil && defaults.effectiveSuppressDB == 30)
        #expect(defaults.rnnoiseLibrary.hasSuffix("/rnnoise/librnnoise.so"))
        let set = try Self.parse(["denoise": "on", "denoise-below-snr": "18", "noise-suppress-db": "25"]).denoising
        #expect(set.mode == .on && set.belowSNR == 18 && set.suppressDB == 25 && set.effectiveSuppressDB == 25)
        let speex = try Self.parse(["denoiser": "speexdsp"]).denoising
        #expect(speex.denoiser == .speexdsp && speex.effectiveSuppressDB == 20)
        #expect(try Self.parse(["denoise": "off"]).denoising.mode == .off)
        do {
            _ = try Self.parse(["denoise": "sometimes"])
            Issue.record("--denoise sometimes was accepted")
        } catch {
            #expect("\(error)".contains("--denoise must be auto, on or off"))
        }
        do {
            _ = try Self.parse(["denoiser": "wiener"])
            Issue.record("--denoiser wiener was accepted")
        } catch {
            #expect("\(error)".contains("--denoiser must be rnnoise or speexdsp, not 'wiener'"))
        }
        #expect(throws: ASRError.self) { try Self.parse(["noise-suppress-db": "0"]) }
    }

    @Test func aMissingRNNoiseLibraryStopsTheStartWithAWayOut() throws {
        do {
            _ = try Self.parse(["rnnoise-library": "/nonexistent/librnnoise.so"])
            Issue.record("a missing RNNoise library was accepted")
        } catch {
            #expect(error.code == .invalidRequest)
            #expect(error.message.contains("cannot load RNNoise from /nonexistent/librnnoise.so"), "\(error.message)")
            #expect(error.message.contains("--denoiser speexdsp"), "\(error.message)")
        }
        // Without RNNoise in use, the path is not needed.
        #expect(throws: Never.self) { try Self.parse(["rnnoise-library": "/nonexistent/librnnoise.so", "denoiser": "speexdsp"]) }
        #expect(throws: Never.self) { try Self.parse(["rnnoise-library": "/nonexistent/librnnoise.so", "denoise": "off"]) }
    }

    @Test(arguments: ["-maxhmmpf", "maxhmmpf 3000", "-maxhmmpf 3000 -topn"])
    func malformedDecoderOptionsAreRefused(_ text: String) {
        #expect(throws: ASRError.self) { try Self.parse(["decoder-options": text]) }
    }

    @Test func outOfRangeNumbersNameTheFlag() {
        do {
            _ = try Self.parse(["catalog-weight": "1.5"])
            Issue.record("a catalog weight of 1.5 was accepted")
        } catch {
            #expect("\(error)".contains("--catalog-weight"))
        }
    }
}
