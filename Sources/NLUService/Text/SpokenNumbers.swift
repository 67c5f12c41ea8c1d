/// Numbers as speech recognisers write them: spelled out, in the ways shoppers say prices,
/// quantities, ratings and order numbers.
///
/// These are rules on purpose: the grammar of spoken English numbers is small and exact, and
/// a model would only learn it approximately. Every function takes the tokens of one slot
/// (as `Utterance` produced them) and returns nil when they are not a number of that kind.
public enum SpokenNumbers {
    static let units: [String: Int] = [
        "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9,
    ]
    static let teens: [String: Int] = [
        "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19,
    ]
    static let tens: [String: Int] = [
        "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90,
    ]
    static let ordinals: [String: Int] = [
        "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
        "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8,
        "9th": 9, "10th": 10, "last": -1,
    ]
    /// Currency words and the ISO 4217 code they imply.
    static let currencies: [String: String] = [
        "dollar": "USD", "dollars": "USD", "bucks": "USD", "buck": "USD", "usd": "USD", "euro": "EUR", "euros": "EUR",
        "eur": "EUR", "pound": "GBP", "pounds": "GBP", "quid": "GBP", "gbp": "GBP",
    ]

    /// Whether `word` is part of how numbers are spoken (for features and the corrector).
    public static func isNumberWord(_ word: String) -> Bool {
        units[word] != nil || teens[word] != nil || tens[word] != nil || word == "hundred" || word == "thousand"
            || word == "half" || word == "point" || word == "dozen" || numericLiteral(word) != nil
    }

    /// A number written in digits: "50", "$25.99", "1,200" is two tokens already, so not here.
    static func numericLiteral(_ word: String) -> Double? {
        var text = Substring(word)
        if text.first == "$" { text = text.dropFirst() }
        guard let first = text.first, first.isASCII, first.isNumber else { return nil }
        return Double(text)
    }

    /// One cardinal number: "twenty five" → 25, "two hundred and fifty" → 250, "a thousand",
    /// "eight and a half" → 8.5, "four point five" → 4.5, "a dozen" → 12, "250" → 250.
    /// Returns nil for sequences that are not one number ("twenty five ninety nine").
    public static func cardinal(_ tokens: some Collection<String>) -> Double? {
        var words = Array(tokens)
        guard !words.isEmpty else { return nil }
        if words.count == 1, let value = numericLiteral(words[0]) { return value }
        if words == ["half"] || words == ["a", "half"] { return 0.5 }
        if words.count > 3, Array(words.suffix(3)) == ["and", "a", "half"] {
            return cardinal(words.dropLast(3)).map { $0 + 0.5 }
        }
        if words.count > 1, words.last == "half", words[words.count - 2] == "and" {
            return cardinal(words.dropLast(2)).map { $0 + 0.5 }
        }
        if let point = words.firstIndex(of: "point") {
            guard let whole = point == 0 ? 0 : cardinal(words[..<point]) else { return nil }
            guard let fraction = digitString(words[(point + 1)...]), !fraction.isEmpty else { return nil }
            return Double("\(Int(whole)).\(fraction)")
        }
        if words.first == "a" || words.first == "an" {
            guard words.count > 1, ["hundred", "thousand", "dozen", "couple", "pair"].contains(words[1]) else { return nil }
            words[0] = "one"
        }
        if words == ["one", "couple"] || words == ["one", "pair"] || words == ["couple"] || words == ["pair"] { return 2 }
        var total = 0
        var current = 0
        var last = NumberWord.none
        for word in words {
            if let value = units[word], word != "oh" {
                guard last == .none || last == .tens || last == .hundred || last == .thousand || last == .and else { return nil }
                if last == .tens { guard value > 0 else { return nil } }
                current += value
                last = .unit
            } else if let value = teens[word] {
                guard last == .none || last == .hundred || last == .thousand || last == .and else { return nil }
                current += value
                last = .teen
            } else if let value = tens[word] {
                guard last == .none || last == .hundred || last == .thousand || last == .and else { return nil }
                current += value
                last = .tens
            } else if word == "hundred" {
                guard last == .none || last == .unit || last == .teen, current < 100 else { return nil }
                current = (current == 0 ? 1 : current) * 100
                last = .hundred
            } else if word == "thousand" {
                guard last != .thousand, last != .and, total == 0 else { return nil }
                total = (current == 0 ? 1 : current) * 1000
                current = 0
                last = .thousand
            } else if word == "dozen" {
                guard last == .none || last == .unit || last == .teen else { return nil }
                current = (current == 0 ? 1 : current) * 12
                last = .hundred
            } else if word == "and" {
                guard last == .hundred || last == .thousand else { return nil }
                last = .and
            } else {
                return nil
            }
        }
        guard last != .and else { return nil }
        return Double(total + current)
    }

    /// What the previous word of a cardinal was, to reject sequences that are not one number
    /// ("five five").
    private enum NumberWord { case none, unit, teen, tens, hundred, thousand, and }

    /// Digits said one or two at a time: "one zero four two" → "1042", "ten forty two" →
    /// "1042", "double three" → "33", "oh five" → "05", "1042" → "1042".
    public static func digitString(_ tokens: some Collection<String>) -> String? {
        let words = Array(tokens)
        guard !words.isEmpty else { return nil }
        var result = ""
        var index = 0
        var repeatNext = 1
        while index < words.count {
            let word = words[index]
            let count = repeatNext
            repeatNext = 1
            var chunk: String
            if word == "double" || word == "triple" {
                guard count == 1 else { return nil }
                repeatNext = word == "double" ? 2 : 3
                index += 1
                continue
            } else if let value = units[word] {
                chunk = String(value)
            } else if let value = teens[word] {
                chunk = String(value)
            } else if let value = tens[word] {
                if index + 1 < words.count, let unit = units[words[index + 1]], unit > 0, words[index + 1] != "oh" {
                    chunk = String(value + unit)
                    index += 1
                } else {
                    chunk = String(value)
                }
            } else if word == "hundred", !result.isEmpty {
                chunk = "00"
            } else if word.allSatisfy({ $0.isASCII && $0.isNumber }) {
                chunk = word
            } else {
                return nil
            }
            result += String(repeating: chunk, count: count)
            index += 1
        }
        return repeatNext == 1 ? result : nil
    }

    /// A price, with its currency when one was said.
    public struct Price: Hashable, Sendable {
        public var amount: Double
        /// The ISO 4217 code of a currency word ("bucks" → USD), or "" when none was said.
        public var currency: String
    }

    /// A price: "twenty five ninety nine" → 25.99, "fifty bucks" → 50 USD, "$25.99",
    /// "twenty dollars and fifty cents" → 20.5, "a hundred" → 100, "one fifty dollars" → 150.
    public static func price(_ tokens: some Collection<String>) -> Price? {
        var words: [String] = []
        var currency = ""
        for word in tokens {
            if let code = currencies[word] {
                currency = code
                words.append("<currency>")
            } else if word.hasPrefix("$") {
                currency = "USD"
                words.append(String(word.dropFirst()))
            } else if word == "cents" || word == "cent" {
                words.append("<cents>")
            } else {
                words.append(word)
            }
        }
        // "X dollars (and) Y (cents)".
        if let mark = words.firstIndex(of: "<currency>") {
            let whole = Array(words[..<mark])
            var rest = Array(words[(mark + 1)...])
            if rest.first == "and" { rest.removeFirst() }
            if rest.last == "<cents>" { rest.removeLast() }
            guard let dollars = whole.isEmpty ? nil : amount(whole, currencyFollows: true) else { return nil }
            if rest.isEmpty { return Price(amount: dollars, currency: currency) }
            guard let cents = cardinal(rest), cents < 100, cents == cents.rounded() else { return nil }
            return Price(amount: ((dollars * 100 + cents).rounded()) / 100, currency: currency)
        }
        if words.last == "<cents>" {
            guard let cents = cardinal(words.dropLast()) else { return nil }
            return Price(amount: cents / 100, currency: currency)
        }
        return amount(words, currencyFollows: false).map { Price(amount: $0, currency: currency) }
    }

    /// A whole number, or dollars and cents said as two numbers ("twenty five ninety nine").
    private static func amount(_ words: [String], currencyFollows: Bool) -> Double? {
        if let value = cardinal(words) { return value }
        guard words.count >= 2 else { return nil }
        for split in stride(from: words.count - 1, through: 1, by: -1) {
            guard let whole = cardinal(words[..<split]), whole == whole.rounded(), let cents = cardinal(words[split...]),
                cents < 100, cents == cents.rounded()
            else { continue }
            // The second number must be said as two digits ("ninety nine", "oh five", "ten").
            let second = Array(words[split...])
            guard cents >= 10 || second.first == "oh" || second.first == "zero" else { continue }
            if currencyFollows, (1...9).contains(whole) { return whole * 100 + cents }
            return whole + cents / 100
        }
        // "nineteen oh five" style: cents as "oh five".
        if words.count >= 3, let whole = cardinal(words.dropLast(2)), words[words.count - 2] == "oh",
            let unit = units[words[words.count - 1]]
        {
            return whole + Double(unit) / 100
        }
        return nil
    }

    /// An ordinal reference: "second" → 2, "the third one" → 3, "last" → -1,
    /// "second to last" → -2, "number two" → 2. Nil when none is said.
    public static func ordinal(_ tokens: some Collection<String>) -> Int? {
        let words = Array(tokens)
        for (index, word) in words.enumerated() {
            guard let value = ordinals[word] else { continue }
            if value > 0, index + 2 < words.count, words[index + 1] == "to", words[index + 2] == "last" {
                return -value
            }
            if word == "last", index > 0, words[index - 1] == "next" || words[index - 1] == "second" { return -2 }
            return value
        }
        if let number = words.firstIndex(of: "number"), number + 1 < words.count, let value = units[words[number + 1]],
            value > 0
        {
            return value
        }
        return nil
    }

    /// A quantity: "two" → 2, "a couple" → 2, "a dozen" → 12, "3" → 3; nil when it is not a
    /// whole number from 1 to 999.
    public static func quantity(_ tokens: some Collection<String>) -> Int? {
        var words = Array(tokens)
        if words.last == "of" { words.removeLast() }
        if words.count == 1, words[0] == "a" || words[0] == "an" || words[0] == "single" { return 1 }
        guard let value = cardinal(words), value == value.rounded(), value >= 1, value < 1000 else { return nil }
        return Int(value)
    }

    /// A rating: "four stars" → 4, "four and a half" → 4.5, "4.5" → 4.5; nil outside 1–5.
    public static func rating(_ tokens: some Collection<String>) -> Double? {
        let ignored: Set<String> = ["star", "stars", "up", "above", "or", "more", "better", "plus", "at", "least"]
        var trimmed = tokens.filter { !ignored.contains($0) }
        while let last = trimmed.last, last == "and" { trimmed.removeLast() }
        guard let value = cardinal(trimmed), (1...5).contains(value) else { return nil }
        return value
    }

    /// Formats a number as `normalized` reports it: "50", "25.99", "8.5".
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        let cents = (value * 100).rounded() / 100
        var text = String(cents)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
