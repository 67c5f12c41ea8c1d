/// Everyday English words: the lower-case entries of a system word list (Debian's `wamerican`,
/// `/usr/share/dict/american-english`, about 64,000 of them once names and possessives are left
/// out).
///
/// The corrector uses it as evidence against a correction: a word the model never saw in
/// training but that is a real word ("nice", "weather") was most likely meant, so it is not
/// replaced by a catalog name it happens to be spelt like ("nike", "leather") unless the
/// tagger expects a name there or an ASR alternative names one.
public struct EnglishWords: Sendable {
    /// Where Debian's `wamerican` puts its list.
    public static let defaultFile = "/usr/share/dict/american-english"

    let words: Set<String>

    /// The given words; empty (the default) turns the check off.
    public init(_ words: Set<String> = []) {
        self.words = words
    }

    /// The lower-case, letters-only lines of the word list at `path` (capitalised names such as
    /// "Nike" and possessives such as "nice's" are left out); an empty list for "none".
    /// - Throws: `NLUError` (`.badData`) when the file cannot be read or holds no such word.
    public static func load(file path: String) throws -> EnglishWords {
        if path == "none" { return EnglishWords() }
        var words: Set<String> = []
        for line in try FileIO.readText(path).split(separator: "\n") {
            if !line.isEmpty, line.utf8.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
                words.insert(String(line))
            }
        }
        guard !words.isEmpty else { throw NLUError(code: .badData, message: "\(path) holds no lower-case words") }
        return EnglishWords(words)
    }

    /// Whether `word` is an everyday English word.
    public func contains(_ word: String) -> Bool { words.contains(word) }

    /// How many words the list has.
    public var count: Int { words.count }
}
