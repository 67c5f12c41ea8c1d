/// How catalog text is said: lower-case words as the recogniser emits them. Numbers are
/// spelled out, `&` is "and", accents are folded, abbreviations and letter acronyms are
/// expanded. A phrase may have several spoken variants ("HDMI" → "h d m i").
public enum SpokenForm {
    /// The spoken variants of a catalog phrase (brand, category part, attribute, title),
    /// most likely first; each is a list of words. Empty when nothing is speakable.
    public static func variants(_ text: String, isWord: (String) -> Bool = { _ in true }) -> [[String]] {
        var alternatives: [[[String]]] = []
        for token in tokens(text) {
            let options = tokenVariants(token, isWord: isWord)
            if !options.isEmpty { alternatives.append(options) }
        }
        guard !alternatives.isEmpty else { return [] }
        // The first variant of every token, then each token's second variant on its own.
        var results = [alternatives.flatMap { $0[0] }]
        for (index, options) in alternatives.enumerated() where options.count > 1 {
            var words: [String] = []
            for (other, choices) in alternatives.enumerated() { words += other == index ? options[1] : choices[0] }
            results.append(words)
        }
        return results
    }

    /// The first spoken variant, joined with spaces.
    public static func text(_ text: String) -> String {
        variants(text).first?.joined(separator: " ") ?? ""
    }

    /// Splits on spaces, slashes, hyphens and most punctuation; keeps inner apostrophes and
    /// periods (for "j.crew", "e.l.f.", "10.5"), `&`, and `x` between digits.
    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        func flush() {
            var token = current
            while token.hasSuffix("'") { token.removeLast() }
            if !token.isEmpty { tokens.append(token) }
            current = ""
        }
        for scalar in text.unicodeScalars {
            if let folded = fold(scalar) {
                current += folded
            } else if scalar == "'" || scalar == "’" {
                if !current.isEmpty { current += "'" }
            } else if scalar == "." {
                current += "."
            } else if scalar == "&" {
                flush()
                tokens.append("&")
            } else {
                flush()
            }
        }
        flush()
        return tokens
    }

    /// Letters and digits, lower-cased and without accents; nil for anything else.
    static func fold(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "a"..."z", "0"..."9": return String(scalar)
        case "A"..."Z": return String(scalar).lowercased()
        default: break
        }
        let accents: [Unicode.Scalar: String] = [
            "à": "a", "á": "a", "â": "a", "ä": "a", "ã": "a", "å": "a", "ç": "c", "è": "e", "é": "e", "ê": "e",
            "ë": "e", "ì": "i", "í": "i", "î": "i", "ï": "i", "ñ": "n", "ò": "o", "ó": "o", "ô": "o", "ö": "o",
            "õ": "o", "ø": "o", "ù": "u", "ú": "u", "û": "u", "ü": "u", "ý": "y", "ÿ": "y", "ß": "ss",
        ]
        let lower = String(scalar).lowercased()
        if let first = lower.unicodeScalars.first, let plain = accents[first] { return plain }
        return nil
    }

    static let abbreviations: [String: [String]] = [
        "dr.": ["doctor"], "mr.": ["mister"], "mrs.": ["missus"], "st.": ["saint"], "no.": ["number"],
        "oz": ["ounce"], "ft": ["feet"], "lb": ["pound"], "qt": ["quart"], "pc": ["piece"],
    ]

    /// The ways one token is said.
    static func tokenVariants(_ raw: String, isWord: (String) -> Bool) -> [[String]] {
        if raw == "&" { return [["and"]] }
        if let expansion = abbreviations[raw] { return [expansion] }
        var token = raw
        while token.hasSuffix(".") { token.removeLast() }
        while token.hasPrefix(".") { token.removeFirst() }
        guard !token.isEmpty else { return [] }
        if token.allSatisfy({ $0.isNumber || $0 == "." }) { return numberVariants(token) }
        // 3x5, 8x10: "three by five".
        if let x = token.firstIndex(of: "x"), x != token.startIndex, token[..<x].allSatisfy(\.isNumber),
            token[token.index(after: x)...].allSatisfy(\.isNumber), token.index(after: x) != token.endIndex
        {
            return [numberWords(Int(token[..<x])!) + ["by"] + numberWords(Int(token[token.index(after: x)...])!)]
        }
        // Sizes such as 12m, 2t, 24m: the number, then the letters.
        if let first = token.first, first.isNumber {
            let digits = String(token.prefix(while: \.isNumber))
            let rest = String(token.dropFirst(digits.count))
            if let value = Int(digits), rest.allSatisfy(\.isLetter) {
                let unit: [String: String] = ["m": "months", "t": "t", "in": "inch", "k": "k", "gb": "gigabytes", "mah": "milliamp hours"]
                let said = unit[rest].map { $0.split(separator: " ").map(String.init) } ?? rest.map { String($0) }
                return [numberWords(value) + said]
            }
        }
        // Model numbers such as 1000xm4, v14, a15: runs of digits as numbers, letters spelled.
        if token.contains(where: \.isNumber) {
            var words: [String] = []
            var run = ""
            func flushRun() {
                guard let first = run.first else { return }
                if first.isNumber {
                    words += Int(run).map { run.count > 4 ? digitWords($0) : numberWords($0) } ?? []
                } else {
                    words += run.count > 1 && isWord(run) ? [run] : run.map { String($0) }
                }
                run = ""
            }
            for character in token where character.isLetter || character.isNumber {
                if let last = run.last, last.isNumber != character.isNumber { flushRun() }
                run.append(character)
            }
            flushRun()
            return words.isEmpty ? [] : [words]
        }
        // e.l.f., j.crew, l.l.bean: letters said one by one, words as words.
        if token.contains(".") {
            let parts = token.split(separator: ".").map(String.init)
            return [parts.flatMap { $0.count == 1 ? [$0] : tokenVariants($0, isWord: isWord).first ?? [] }]
        }
        let word = token
        let letters = word.filter(\.isLetter).map { String($0) }
        let hasVowel = word.contains { "aeiouy".contains($0) }
        // Short acronyms the dictionary does not know ("hdmi", "jbl", "tcl"): spelled out,
        // with the word reading as a second variant when it has vowels.
        if word.count <= 5, !isWord(word), word.allSatisfy(\.isLetter), raw.count > 1 {
            if !hasVowel || word.count <= 3 { return [letters] }
            return [[word], letters]
        }
        return [[word]]
    }

    /// "10" → ten; "10.5" → ten point five (and "ten and a half").
    static func numberVariants(_ token: String) -> [[String]] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard let whole = Int(parts[0].isEmpty ? "0" : parts[0]) else { return [] }
        if parts.count == 1 { return [numberWords(whole)] }
        let fraction = String(parts[1])
        if fraction == "5" { return [numberWords(whole) + ["and", "a", "half"], numberWords(whole) + ["point", "five"]] }
        return [numberWords(whole) + ["point"] + fraction.compactMap { $0.wholeNumberValue }.flatMap { numberWords($0) }]
    }

    static let ones = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    ]
    static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

    /// A cardinal number in words: 1042 → one thousand forty two.
    public static func numberWords(_ value: Int) -> [String] {
        if value < 0 { return ["minus"] + numberWords(-value) }
        if value < 20 { return [ones[value]] }
        if value < 100 { return [tens[value / 10]] + (value % 10 == 0 ? [] : [ones[value % 10]]) }
        if value < 1000 {
            return [ones[value / 100], "hundred"] + (value % 100 == 0 ? [] : numberWords(value % 100))
        }
        if value < 1_000_000 {
            return numberWords(value / 1000) + ["thousand"] + (value % 1000 == 0 ? [] : numberWords(value % 1000))
        }
        return numberWords(value / 1_000_000) + ["million"] + (value % 1_000_000 == 0 ? [] : numberWords(value % 1_000_000))
    }

    /// Digits one by one: 1042 → one zero four two.
    public static func digitWords(_ value: Int) -> [String] {
        String(value).compactMap { $0.wholeNumberValue }.map { ones[$0] }
    }

    /// As a year or an order number is often said: 1042 → ten forty two; 2500 → twenty five hundred.
    public static func pairedWords(_ value: Int) -> [String] {
        guard (1000..<10000).contains(value) else { return numberWords(value) }
        let high = value / 100
        let low = value % 100
        if low == 0 { return numberWords(high) + ["hundred"] }
        return numberWords(high) + (low < 10 ? ["oh"] + numberWords(low) : numberWords(low))
    }

    /// The ways a price is said: 39.99 → "thirty nine ninety nine", "thirty nine dollars and
    /// ninety nine cents", "thirty nine dollars ninety nine"; 50 → "fifty dollars", "fifty bucks".
    public static func priceVariants(dollars: Int, cents: Int) -> [[String]] {
        let whole = numberWords(dollars)
        guard cents > 0 else { return [whole + ["dollars"], whole + ["bucks"], whole] }
        let fraction = cents < 10 ? ["oh"] + numberWords(cents) : numberWords(cents)
        return [whole + fraction, whole + ["dollars", "and"] + numberWords(cents) + ["cents"], whole + ["dollars"] + fraction]
    }
}
