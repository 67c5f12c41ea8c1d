@testable import NLUService
import Protos
import Testing

@Suite("Parse")
struct ParseTests {
    func parse(_ text: String, context: NLUV1.SessionContext? = nil, locale: String = "") throws -> NLUV1.ParseResponse {
        var request = NLUV1.ParseRequest()
        request.text = text
        request.context = context
        request.locale = locale
        return try Shared.engine.parse(request)
    }

    @Test func searchWithFilters() throws {
        let response = try parse("show me red dresses under fifty bucks")
        #expect(response.intent == .searchProducts)
        #expect(response.confidence > 0.5 && !response.lowConfidence)
        #expect(response.topIntents.count == 3 && response.topIntents[0].intent == .searchProducts)
        let filters = try #require(response.filters)
        #expect(filters.color == "red")
        #expect(filters.category == "Dresses")
        #expect(filters.priceMax == 50)
        #expect(filters.currency == "USD")
        #expect(response.replyHint == "red dresses under $50")
        #expect(response.searchText == "dresses")
        let price = try #require(response.slots.first { $0.name == "price_max" })
        #expect(price.value == "fifty bucks" && price.normalized == "50")
        #expect(price.start == 26 && price.end == 37 && price.tokenStart == 5 && price.tokenEnd == 7)
        #expect(!response.modelVersion.isEmpty)
    }

    @Test func priceRangeSizeAndSort() throws {
        let response = try parse("nike running shoes size eight and a half between thirty and sixty dollars cheapest first")
        let filters = try #require(response.filters)
        #expect(filters.brand == "Nike")
        #expect(filters.category == "Shoes/Running")
        #expect(filters.size == "8.5")
        #expect(filters.priceMin == 30 && filters.priceMax == 60)
        #expect(response.sort == .priceAsc)
    }

    @Test("the order said first, or after \"sorted by\" or \"by\"", arguments: [
        ("cheapest nike sneakers", NLUV1.Sort.priceAsc),
        ("lego sets for kids sorted by rating", .ratingDesc),
        ("sneakers sorted by price high to low", .priceDesc),
        ("jackets by newest", .newest),
        ("show me dresses sorted by price", .priceAsc),
        ("best rated face cream", .ratingDesc),
    ])
    func sortPhrasings(_ text: String, _ sort: NLUV1.Sort) throws {
        let response = try parse(text)
        #expect(response.intent == .searchProducts, "\(text)")
        #expect(response.sort == sort, "\(text): \(response.slots.map { "\($0.name)=\($0.value)" })")
    }

    @Test("a search's reply hint is a plural noun phrase for \"I found 40 …\"; the sort is left to the reply", arguments: [
        ("show me red dresses under fifty bucks", "red dresses under $50"),
        ("a red dress", "red dresses"),
        ("kitchen knives", "kitchen knives"),
        ("best rated face cream", "face creams"),
        ("cheapest nike sneakers", "Nike sneakers"),
        ("running shoes size ten", "running shoes in size 10"),
        ("beauty", "beauty products"),
        ("need headphones asap", "headphones"),
    ])
    func searchReplyHint(_ text: String, _ hint: String) throws {
        #expect(try parse(text).replyHint == hint, "\(text)")
    }

    @Test func pluralsOfTheSubject() {
        let cases = [
            ("dress", "dresses"), ("jeans", "jeans"), ("accessory", "accessories"), ("knife", "knives"), ("box", "boxes"),
            ("toy", "toys"), ("man", "men"), ("women", "women"), ("footwear", "footwear products"), ("face cream", "face creams"),
            ("jewelry", "jewelry products"), ("3d", "3d"),
        ]
        for (word, plural) in cases { #expect(ReplyHint.plural(word) == plural, "\(word)") }
    }

    @Test("a colour, material or category that is only a number is not a filter")
    func numberOnlyNamesAreDropped() throws {
        let response = try parse("red ten")
        #expect(response.filters?.color == "red")
        #expect(response.filters?.category == "")
        #expect(!response.slots.contains { $0.name == "category" }, "\(response.slots.map { "\($0.name)=\($0.value)" })")
        let gift = try parse("i need a gift for a ten year old boy")
        #expect(gift.filters?.color == "" && gift.filters?.category == "Kids/Boys")
    }

    @Test("\"it\" is the product last talked about; ordinals still count the results shown")
    func focusProduct() throws {
        var context = NLUV1.SessionContext()
        context.previousProductIDs = ["11", "22", "33"]
        context.previousIntent = .productDetails
        context.focusProductID = "22"
        let reviews = try parse("what do people say about it", context: context)
        #expect(reviews.intent == .readReviews && reviews.productIDs == ["22"])
        #expect(try parse("how much is the third one", context: context).productIDs == ["33"])
        context.focusProductID = ""
        #expect(try parse("what do people say about it", context: context).productIDs == ["11"], "no focus: the top result")
        context.previousProductIDs = []
        context.focusProductID = "22"
        let add = try parse("add it to my cart", context: context)
        #expect(add.intent == .addToCart && add.productIDs == ["22"])
    }

    @Test func spokenPrice() throws {
        let response = try parse("jackets under twenty five ninety nine")
        #expect(response.filters?.priceMax == 25.99)
    }

    @Test func orderID() throws {
        let response = try parse("where is my order one zero four two")
        #expect(response.intent == .orderStatus)
        #expect(response.orderID == "1042")
        #expect(response.replyHint == "the status of order 1042")
    }

    @Test func sessionReferences() throws {
        var context = NLUV1.SessionContext()
        context.previousProductIDs = ["11", "22", "33"]
        context.previousIntent = .searchProducts
        var response = try parse("add two of those", context: context)
        #expect(response.intent == .addToCart)
        #expect(response.quantity == 2)
        #expect(response.productIDs == ["11", "22", "33"])
        response = try parse("how much is the second one", context: context)
        #expect(response.intent == .askPrice)
        #expect(response.productIDs == ["22"])
        response = try parse("add the last one to my cart", context: context)
        #expect(response.productIDs == ["33"])
        response = try parse("tell me more about the first one", context: context)
        #expect(response.intent == .productDetails)
        #expect(response.productIDs == ["11"])
        response = try parse("is the first one cheaper than the third one", context: context)
        #expect(response.intent == .comparePrices)
        #expect(response.productIDs == ["11", "33"])
    }

    @Test func refinementKeepsThePreviousSearch() throws {
        var context = NLUV1.SessionContext()
        context.previousIntent = .searchProducts
        context.previousFilters = NLUV1.Filters(category: "Dresses", priceMax: 50)
        let response = try parse("what about in blue", context: context)
        #expect(response.intent == .searchProducts)
        #expect(response.filters?.category == "Dresses")
        #expect(response.filters?.color == "blue")
        #expect(response.filters?.priceMax == 50)
    }

    @Test func previousOrderID() throws {
        var context = NLUV1.SessionContext()
        context.previousOrderID = "1042"
        let response = try parse("track my package", context: context)
        #expect(response.intent == .trackShipment)
        #expect(response.orderID == "1042")
    }

    @Test("bad input is INVALID_ARGUMENT with a reason", arguments: [
        ("", "empty"), ("   ", "empty"), (String(repeating: "shoes ", count: 200), "1,000"),
    ])
    func badInput(_ text: String, _ reason: String) {
        #expect {
            try parse(text)
        } throws: { error in
            guard let error = error as? NLUError else { return false }
            return error.code == .invalidInput && error.message.contains(reason)
        }
    }

    @Test func invalidUTF8() {
        #expect(throws: NLUError.self) { try NLUEngine.validate(utf8: [0x73, 0x68, 0xff, 0xfe]) }
        #expect((try? NLUEngine.validate(utf8: Array("shoes".utf8))) == "shoes")
    }

    @Test("other languages are out of scope with low confidence", arguments: [
        "quiero comprar unos zapatos rojos para mi hermana", "je voudrais une robe rouge s'il vous plaît",
        "ich möchte eine neue jacke kaufen", "我想买一双红色的鞋子", "хочу купить красные туфли",
    ])
    func otherLanguage(_ text: String) throws {
        let response = try parse(text)
        #expect(response.intent == .outOfScope)
        #expect(response.lowConfidence)
        #expect(response.confidence <= 0.3)
    }

    @Test func foreignLocaleIsOutOfScope() throws {
        let response = try parse("zapatos rojos", locale: "es-ES")
        #expect(response.intent == .outOfScope && response.lowConfidence)
    }

    @Test func everyIntentHasAReplyHint() throws {
        for text in ["hello", "check out", "what's in my cart", "i want to talk to a person", "return order ten forty two"] {
            let response = try parse(text)
            #expect(!response.replyHint.isEmpty && response.intent != .outOfScope, "\(text)")
        }
    }
}
