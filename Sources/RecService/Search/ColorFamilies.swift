/// The shades a shopper means by a basic colour: a filter on "blue" also finds navy and cobalt
/// products, a filter on "navy" only navy ones. "gray" and "grey" are one colour.
///
/// Catalogs name colours the way their suppliers do; shoppers say "blue". The table holds only
/// shades that nobody would call another basic colour (no teal, turquoise or khaki).
enum ColorFamilies {
    static let shades: [String: [String]] = [
        "blue": ["navy", "cobalt", "indigo", "azure", "sapphire", "cerulean", "royal blue", "sky blue"],
        "red": ["burgundy", "maroon", "crimson", "scarlet", "wine", "cherry", "ruby", "oxblood"],
        "green": ["olive", "emerald", "sage", "mint", "forest green", "lime"],
        "pink": ["blush", "rose", "fuchsia", "magenta", "salmon", "hot pink"],
        "purple": ["violet", "lavender", "lilac", "plum", "mauve"],
        "brown": ["tan", "camel", "chocolate", "cognac", "mocha", "chestnut"],
        "beige": ["cream", "ivory", "sand", "nude", "taupe", "ecru", "oatmeal"],
        "grey": ["gray"] + greyShades,
        "gray": ["grey"] + greyShades,
        "white": ["ivory", "off white"],
        "yellow": ["mustard", "lemon"],
        "orange": ["rust", "tangerine"],
        "black": ["jet black", "onyx"],
    ]

    static let greyShades = ["charcoal", "slate", "heather grey", "heather gray"]

    /// The colour's words, then each of its shades' words (analysed as the catalog's values are).
    static func alternatives(_ color: String) -> [[String]] {
        let words = TextAnalyzer.tokens(color)
        var result = [words]
        let key = color.lowercased().split(whereSeparator: { $0 == " " || $0 == "-" }).joined(separator: " ")
        for shade in shades[key] ?? [] {
            let shadeWords = TextAnalyzer.tokens(shade)
            if !shadeWords.isEmpty, !result.contains(shadeWords) { result.append(shadeWords) }
        }
        return result
    }
}
