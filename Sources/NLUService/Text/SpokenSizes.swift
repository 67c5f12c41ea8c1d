/// Sizes as shoppers say them, normalized to how catalogs write them: "small" → "S",
/// "extra large" → "XL", "size eight and a half" → "8.5", "twelve months" → "12M",
/// "two t" → "2T", "queen" → "Queen", "waist thirty two" → "32".
public enum SpokenSizes {
    static let letterSizes: [[String]: String] = [
        ["extra", "small"]: "XS", ["x", "small"]: "XS", ["xs"]: "XS", ["small"]: "S", ["s"]: "S", ["medium"]: "M",
        ["m"]: "M", ["large"]: "L", ["l"]: "L", ["extra", "large"]: "XL", ["x", "large"]: "XL", ["xl"]: "XL",
        ["extra", "extra", "large"]: "XXL", ["double", "extra", "large"]: "XXL", ["xx", "large"]: "XXL",
        ["xxl"]: "XXL", ["double", "x", "l"]: "XXL", ["two", "x", "l"]: "XXL", ["x", "l"]: "XL", ["x", "s"]: "XS",
        ["newborn"]: "NB", ["twin"]: "Twin", ["full"]: "Full", ["queen"]: "Queen", ["king"]: "King",
        ["standard"]: "Standard", ["full", "queen"]: "Full/Queen", ["full", "or", "queen"]: "Full/Queen",
        ["petite"]: "Petite", ["one", "size"]: "One Size",
    ]
    static let fillers: Set<String> = ["size", "sizes", "in", "a", "waist", "us", "uk", "eu", "number", "inch", "inches"]

    /// The normalized size, or nil when the words are not a size.
    /// - Parameter catalogSizes: the catalog's spellings; a match there wins ("12M" over
    ///   "12 months").
    public static func normalize(_ tokens: some Collection<String>, catalogSizes: Set<String> = []) -> String? {
        var words = tokens.filter { !fillers.contains($0) }
        guard !words.isEmpty else { return nil }
        if let letter = letterSizes[words] { return letter }
        if words.count == 1, let letter = letterSizes[[words[0].lowercased()]] { return letter }
        // Months and toddler sizes.
        var unit: String?
        if let last = words.last, ["months", "month", "mo", "m"].contains(last) {
            unit = "M"
            words.removeLast()
        } else if let last = words.last, ["t", "toddler"].contains(last) {
            unit = "T"
            words.removeLast()
        } else if let last = words.last, ["years", "year", "y"].contains(last) {
            unit = "Y"
            words.removeLast()
        }
        if words.count == 1, let word = words.first, let suffix = word.last, suffix == "t" || suffix == "m",
            let number = Int(word.dropLast())
        {
            return "\(number)\(suffix.uppercased())"
        }
        guard let value = SpokenNumbers.cardinal(words), value > 0, value < 200 else { return nil }
        let number = SpokenNumbers.format(value)
        switch unit {
        case "M":
            let catalog = "\(number)M"
            if catalogSizes.isEmpty || catalogSizes.contains(catalog) { return catalog }
            return "\(number) months"
        case "T": return "\(number)T"
        case "Y": return "\(number)Y"
        default: return number
        }
    }
}
