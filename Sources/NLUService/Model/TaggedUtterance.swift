/// One line of training or test data: tokens with BIO slot tags, and the intent.
///
/// The file format is the one the public ATIS and SNIPS corpora use, one utterance a line:
/// `show:O me:O red:B-color dresses:B-category <=> search_products`. The tag is what follows
/// the last `:` of each token. Blank lines and lines starting with `#` are skipped.
public struct TaggedUtterance: Hashable, Sendable {
    public var tokens: [String]
    public var tags: [String]
    public var intent: String

    public init(tokens: [String], tags: [String], intent: String) {
        self.tokens = tokens
        self.tags = tags
        self.intent = intent
    }

    /// Parses one line; nil for a blank or comment line.
    /// - Throws: `NLUError` (`.badData`) when the line is not in the format.
    public init?(line: Substring, where location: @autoclosure () -> String) throws {
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.allSatisfy({ $0 == " " || $0 == "\r" }) { return nil }
        let parts = trimmed.split(separator: "<=>", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw NLUError(code: .badData, message: "\(location()): expected 'token:TAG ... <=> intent'")
        }
        let intent = parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
        guard !intent.isEmpty else { throw NLUError(code: .badData, message: "\(location()): the intent is missing") }
        var tokens: [String] = []
        var tags: [String] = []
        for item in parts[0].split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let colon = item.lastIndex(of: ":"), colon != item.startIndex else {
                throw NLUError(code: .badData, message: "\(location()): '\(item)' has no ':TAG'")
            }
            let tag = item[item.index(after: colon)...]
            guard tag == "O" || tag.hasPrefix("B-") || tag.hasPrefix("I-") else {
                throw NLUError(code: .badData, message: "\(location()): '\(tag)' is not O, B-name or I-name")
            }
            tokens.append(String(item[..<colon]))
            tags.append(String(tag))
        }
        guard !tokens.isEmpty else { throw NLUError(code: .badData, message: "\(location()): no tokens") }
        self.init(tokens: tokens, tags: tags, intent: intent)
    }

    /// The line in the file format.
    public var line: String {
        zip(tokens, tags).map { "\($0):\($1)" }.joined(separator: " ") + " <=> " + intent
    }

    /// Reads every utterance of a file.
    /// - Throws: `NLUError` for an unreadable file or a bad line (with its number).
    public static func load(file path: String) throws -> [TaggedUtterance] {
        let text = try FileIO.readText(path)
        var result: [TaggedUtterance] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let utterance = try TaggedUtterance(line: line, where: "\(path):\(number + 1)") { result.append(utterance) }
        }
        return result
    }

    /// Reads every `*.txt` file in `directory` whose name does not start with `test`
    /// (training data), or only those that do (`test: true`).
    public static func load(directory: String, test: Bool = false) throws -> [TaggedUtterance] {
        var result: [TaggedUtterance] = []
        for name in try FileIO.files(in: directory) where name.hasSuffix(".txt") && name.hasPrefix("test") == test {
            result += try load(file: directory + "/" + name)
        }
        return result
    }

    /// The slot spans of BIO tags: (name, start, end) with `end` exclusive. An `I-` tag that
    /// does not continue a span of its name starts a new one (conlleval's rule).
    public static func spans(_ tags: [String]) -> [(name: String, start: Int, end: Int)] {
        var result: [(name: String, start: Int, end: Int)] = []
        var current: (name: String, start: Int)?
        for (index, tag) in tags.enumerated() {
            if tag.hasPrefix("I-"), let open = current, open.name == tag.dropFirst(2) { continue }
            if let open = current { result.append((open.name, open.start, index)) }
            current = tag == "O" ? nil : (String(tag.dropFirst(2)), index)
        }
        if let open = current { result.append((open.name, open.start, tags.count)) }
        return result
    }
}
