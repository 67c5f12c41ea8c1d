import Glibc
import NLUService
import Protos
import Testing

@Suite("Catalog-aware correction")
struct CorrectionTests {
    func parse(_ text: String, alternatives: [String] = []) throws -> NLUV1.ParseResponse {
        var request = NLUV1.ParseRequest()
        request.text = text
        request.alternatives = alternatives.enumerated().map { NLUV1.AsrAlternative(transcript: $1, confidence: 0.5 - Float($0) * 0.1) }
        return try Shared.engine.parse(request)
    }

    @Test("misheard brands are corrected by sound and spelling", arguments: [
        ("show me mike running shoes", "nike", "Nike"),
        ("i want a dentist sneakers", "adidas", "Adidas"),
        ("leave ice jeans size thirty two", "levi's", "Levi's"),
        ("do you have pat a gonia jackets", "patagonia", "Patagonia"),
        ("show me sketchers", nil, nil),
    ] as [(String, String?, String?)])
    func misheardBrand(_ text: String, _ corrected: String?, _ brand: String?) throws {
        let response = try parse(text)
        if let corrected {
            #expect(response.correctedText.contains(corrected), "\(response.correctedText)")
            let correction = try #require(response.corrections.first)
            #expect(correction.to == corrected)
            #expect(correction.entityType == "brand")
            #expect(!correction.reason.isEmpty)
            #expect(response.filters?.brand == brand)
        }
    }

    @Test func commonWordsAreNotCorrected() throws {
        for text in [
            "shoes under fifty", "show me red dresses", "where is my order", "add two of those", "what's in my cart",
            "show me something nice for my mom", "what's the weather like today",
        ] {
            let response = try parse(text)
            #expect(response.corrections.isEmpty, "\(text): \(response.corrections)")
            #expect(response.correctedText == text)
        }
    }

    @Test("everyday English is what keeps \"nice\" from becoming \"nike\"; a word that is not English is still corrected")
    func englishWordsGuardSpellingAloneCorrections() throws {
        var request = NLUV1.ParseRequest()
        request.text = "show me something nice for my mom"
        let withoutList = try NLUEngine(model: Shared.model, vocabulary: Shared.vocabulary).parse(request)
        #expect(withoutList.corrections.first?.to == "nike", "the case the word list is there for")
        let corrected = try parse("i love addidas")
        let correction = try #require(corrected.corrections.first)
        #expect(correction.from == "addidas" && correction.to == "adidas")
        #expect(corrected.filters?.brand == "Adidas")
    }

    @Test func englishWordsFromTheSystemList() throws {
        #expect(Shared.englishWords.count > 50_000)
        #expect(Shared.englishWords.contains("nice") && Shared.englishWords.contains("weather"))
        #expect(!Shared.englishWords.contains("nike") && !Shared.englishWords.contains("adidas"))
        let path = "/tmp/voiceshop-english-words-\(UInt64.random(in: 0...UInt64.max))"
        defer { unlink(path) }
        let list = "Nike\nnice\nnice's\nweather\n\nÉclair\n"
        _ = list.withCString { text in
            let file = fopen(path, "w")
            defer { fclose(file) }
            return fputs(text, file)
        }
        let words = try EnglishWords.load(file: path)
        #expect(words.count == 2 && words.contains("nice") && words.contains("weather") && !words.contains("nike"))
        #expect(throws: NLUError.self) { try EnglishWords.load(file: path + ".missing") }
    }

    @Test func alternativeWithACatalogNameIsPreferred() throws {
        let response = try parse("show me nikey shoes", alternatives: ["show me mikey shoes", "show me nike shoes"])
        #expect(response.correctedText == "show me nike shoes")
        #expect(response.filters?.brand == "Nike")
        let correction = try #require(response.corrections.first)
        #expect(correction.from == "nikey")
        #expect(correction.to == "nike")
        #expect(correction.reason.contains("asr alternative 2"))
    }

    @Test func alternativesWithoutCatalogNamesAreIgnored() throws {
        let response = try parse("red dresses", alternatives: ["bread dresses", "red addresses"])
        #expect(response.correctedText == "red dresses")
        #expect(response.corrections.isEmpty)
    }

    @Test func doubleMetaphone() {
        #expect(DoubleMetaphone("nike").primary == "NK")
        #expect(DoubleMetaphone("levis").primary == DoubleMetaphone("leaveice").primary)
        #expect(DoubleMetaphone("knight").primary == "NT")
        #expect(DoubleMetaphone("philips").primary == "FLPS")
        #expect(DoubleMetaphone("thomas").alternate == "TMS")
    }
}
