import NLUService
import Testing

@Suite("Spoken numbers, prices, sizes and references")
struct SpokenNumbersTests {
    static let prices: [(String, Double?, String)] = [
        ("twenty five ninety nine", 25.99, ""),
        ("fifty bucks", 50, "USD"),
        ("fifty", 50, ""),
        ("a hundred", 100, ""),
        ("a hundred dollars", 100, "USD"),
        ("one hundred and twenty", 120, ""),
        ("two hundred fifty dollars", 250, "USD"),
        ("nineteen ninety nine", 19.99, ""),
        ("nine ninety nine", 9.99, ""),
        ("$50", 50, "USD"),
        ("$25.99", 25.99, "USD"),
        ("49.99", 49.99, ""),
        ("twenty dollars and fifty cents", 20.5, "USD"),
        ("twenty dollars fifty", 20.5, "USD"),
        ("ninety nine cents", 0.99, ""),
        ("one fifty dollars", 150, "USD"),
        ("a thousand dollars", 1000, "USD"),
        ("two thousand five hundred", 2500, ""),
        ("thirty euros", 30, "EUR"),
        ("forty pounds", 40, "GBP"),
        ("twelve oh five", 12.05, ""),
        ("sixty usd", 60, "USD"),
        ("blue", nil, ""),
        ("five five", nil, ""),
    ]

    @Test("prices", arguments: prices)
    func price(_ text: String, _ amount: Double?, _ currency: String) {
        let price = SpokenNumbers.price(text.split(separator: " ").map(String.init))
        #expect(price?.amount == amount, "\(text)")
        if amount != nil { #expect(price?.currency == currency, "\(text)") }
    }

    static let cardinals: [(String, Double?)] = [
        ("twenty five", 25), ("eight and a half", 8.5), ("four point five", 4.5), ("a dozen", 12), ("zero", 0),
        ("three hundred and six", 306), ("seventy", 70), ("eleven", 11), ("twenty twenty", nil), ("and", nil),
    ]

    @Test("cardinals", arguments: cardinals)
    func cardinal(_ text: String, _ value: Double?) {
        #expect(SpokenNumbers.cardinal(text.split(separator: " ").map(String.init)) == value, "\(text)")
    }

    static let orderIDs: [(String, String?)] = [
        ("one zero four two", "1042"), ("ten forty two", "1042"), ("one oh five seven", "1057"), ("1042", "1042"),
        ("double three four five", "3345"), ("twenty three ten", "2310"), ("four five two one", "4521"),
        ("nineteen ninety nine", "1999"), ("one oh oh one", "1001"), ("shoes", nil),
    ]

    @Test("order ids", arguments: orderIDs)
    func orderID(_ text: String, _ digits: String?) {
        #expect(SpokenNumbers.digitString(text.split(separator: " ").map(String.init)) == digits, "\(text)")
    }

    static let sizes: [(String, String?)] = [
        ("size small", "S"), ("medium", "M"), ("large", "L"), ("extra large", "XL"), ("extra small", "XS"),
        ("double extra large", "XXL"), ("size eight and a half", "8.5"), ("twelve months", "12M"),
        ("six months", "6M"), ("size two t", "2T"), ("queen", "Queen"), ("size ten", "10"), ("size 10.5", "10.5"),
        ("waist thirty two", "32"), ("newborn", "NB"), ("size xl", "XL"), ("twenty months", "20 months"),
        ("blue", nil),
    ]

    @Test("sizes", arguments: sizes)
    func size(_ text: String, _ normalized: String?) {
        let catalog: Set<String> = ["12M", "6M", "2T", "8.5", "S", "M", "L", "XL"]
        #expect(SpokenSizes.normalize(text.split(separator: " ").map(String.init), catalogSizes: catalog) == normalized, "\(text)")
    }

    static let ordinals: [(String, Int?)] = [
        ("the second one", 2), ("first", 1), ("the last one", -1), ("second to last", -2), ("third", 3),
        ("number two", 2), ("5th", 5), ("the red one", nil),
    ]

    @Test("ordinals", arguments: ordinals)
    func ordinal(_ text: String, _ value: Int?) {
        #expect(SpokenNumbers.ordinal(text.split(separator: " ").map(String.init)) == value, "\(text)")
    }

    static let quantities: [(String, Int?)] = [
        ("two", 2), ("a couple", 2), ("a dozen", 12), ("3", 3), ("one", 1), ("ten", 10), ("zero", nil), ("some", nil),
    ]

    @Test("quantities", arguments: quantities)
    func quantity(_ text: String, _ value: Int?) {
        #expect(SpokenNumbers.quantity(text.split(separator: " ").map(String.init)) == value, "\(text)")
    }

    static let ratings: [(String, Double?)] = [
        ("four stars", 4), ("four and a half stars", 4.5), ("4.5", 4.5), ("three star", 3), ("ten stars", nil),
    ]

    @Test("ratings", arguments: ratings)
    func rating(_ text: String, _ value: Double?) {
        #expect(SpokenNumbers.rating(text.split(separator: " ").map(String.init)) == value, "\(text)")
    }

    @Test func utteranceNormalization() {
        #expect(Utterance("Show me Levi's jeans, under $50!").tokens == ["show", "me", "levi's", "jeans", "under", "$50"])
        #expect(Utterance("H&M t-shirts for 25.99.").tokens == ["h", "and", "m", "t-shirts", "for", "25.99"])
        #expect(Utterance("  ").tokens.isEmpty)
        #expect(Utterance("a b").offsets.map(\.start) == [0, 2])
    }
}
