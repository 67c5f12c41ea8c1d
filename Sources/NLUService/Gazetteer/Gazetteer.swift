/// The catalog's entities as they are spoken, for exact and fuzzy matching over tokens.
///
/// Each brand, category, colour and material gets its spoken forms: lower case, "&" as "and",
/// with and without apostrophes and dots ("levi's", "levis"; "j crew", "jcrew"), accents folded
/// ("estee lauder"), and for categories the leaf, the leaf with its parent ("running shoes",
/// "puffer jackets") and singulars ("dress"). Every form keeps its catalog spelling, which is
/// what slots and filters report.
public struct Gazetteer: Sendable {
    /// What an entity is.
    public enum EntityType: String, Sendable, CaseIterable {
        case brand, category, color, material
    }

    /// One spoken form of one catalog entity.
    public struct Entry: Sendable {
        public var type: EntityType
        /// The catalog spelling ("Levi's", "Women/Dresses", "red").
        public var canonical: String
        /// The spoken tokens ("levi's").
        public var tokens: [String]
        /// The letters of the form without spaces ("levis"), for edit distance.
        var letters: String
        /// The Double Metaphone codes of `letters`.
        var codes: DoubleMetaphone
        /// `letters` and the codes as bytes, for the edit distances.
        let bytes: (letters: [UInt8], primary: [UInt8], alternate: [UInt8])

        init(type: EntityType, canonical: String, tokens: [String], letters: String, codes: DoubleMetaphone) {
            self.type = type
            self.canonical = canonical
            self.tokens = tokens
            self.letters = letters
            self.codes = codes
            bytes = (Array(letters.utf8), Array(codes.primary.utf8), Array(codes.alternate.utf8))
        }
    }

    /// An exact match of an entry over tokens `start..<end`.
    public struct Match: Hashable, Sendable {
        public var start: Int
        public var end: Int
        public var entry: Int
    }

    public private(set) var entries: [Entry] = []
    /// Entry indexes by first token.
    private var byFirstToken: [String: [Int]] = [:]
    /// The first spoken form of each entity ("levi's" for Levi's, not "levi"), by type and
    /// canonical spelling: what corrections write.
    private var preferred: [String: [String]] = [:]
    /// Every token of every spoken form.
    public private(set) var words: Set<String> = []
    /// The catalog's size spellings ("M", "8.5", "12M").
    public let sizes: Set<String>
    /// The vocabulary's version.
    public let version: String

    public init(_ vocabulary: CatalogVocabulary) {
        sizes = Set(vocabulary.sizes)
        version = vocabulary.version
        var seen: Set<String> = []
        func add(_ type: EntityType, _ canonical: String, _ form: String) {
            let tokens = Utterance(form).tokens
            guard !tokens.isEmpty else { return }
            let key = "\(type.rawValue)|\(tokens.joined(separator: " "))"
            guard seen.insert(key).inserted else { return }
            let letters = tokens.joined().lettersAndDigits
            entries.append(Entry(type: type, canonical: canonical, tokens: tokens, letters: letters, codes: DoubleMetaphone(letters)))
            if preferred["\(type.rawValue)|\(canonical)"] == nil { preferred["\(type.rawValue)|\(canonical)"] = tokens }
        }
        for brand in vocabulary.brands {
            for form in Self.brandForms(brand) { add(.brand, brand, form) }
        }
        // Category forms: a form that names one path gets that path; a form shared by several
        // paths ("jeans": Men/Jeans and Women/Jeans) gets the segment name, which rec-svc
        // matches anywhere in a path.
        var categoryForms: [String: Set<String>] = [:]
        var segmentName: [String: String] = [:]
        var allPaths: Set<String> = []
        for path in vocabulary.categories {
            let segments = path.split(separator: "/").map(String.init)
            for depth in 1...segments.count { allPaths.insert(segments.prefix(depth).joined(separator: "/")) }
        }
        for path in allPaths.sorted() {
            let segments = path.split(separator: "/").map(String.init)
            guard let leaf = segments.last else { continue }
            var forms = Self.nounForms(leaf)
            if segments.count >= 2 {
                let parent = segments[segments.count - 2]
                for leafForm in Self.nounForms(leaf) where !Self.isAudience(leaf) {
                    // "running shoes", "puffer jackets"; "women's dresses" for audiences.
                    if Self.isAudience(parent) {
                        for audience in Self.audienceForms(parent) { forms.append("\(audience) \(leafForm)") }
                    } else if !leafForm.hasSuffix(parent.lowercased()) {
                        for parentForm in Self.nounForms(parent) { forms.append("\(leafForm) \(parentForm)") }
                    }
                }
            }
            for form in forms {
                let key = Utterance(form).tokens.joined(separator: " ")
                categoryForms[key, default: []].insert(path)
                segmentName[key] = segmentName[key] ?? leaf
            }
        }
        for (form, paths) in categoryForms.sorted(by: { $0.key < $1.key }) {
            let canonical = paths.count == 1 ? paths.first! : Self.commonSegment(paths) ?? segmentName[form]!
            add(.category, canonical, form)
        }
        for color in vocabulary.colors {
            add(.color, color, color)
            if color.lowercased() == "grey" { add(.color, color, "gray") }
            if color.lowercased() == "navy" { add(.color, color, "navy blue") }
        }
        for material in vocabulary.materials { add(.material, material, material) }
        for (index, entry) in entries.enumerated() {
            byFirstToken[entry.tokens[0], default: []].append(index)
            words.formUnion(entry.tokens)
        }
    }

    /// The tokens a correction to `entry`'s entity writes: its first (catalog-like) spoken form.
    public func preferredTokens(_ entry: Entry) -> [String] {
        preferred["\(entry.type.rawValue)|\(entry.canonical)"] ?? entry.tokens
    }

    /// The longest exact matches, left to right, without overlaps. Where a form is both a
    /// brand and something else, the first type in `EntityType` order wins.
    public func exactMatches(_ tokens: [String]) -> [Match] {
        var result: [Match] = []
        var start = 0
        while start < tokens.count {
            var best: Match?
            for index in byFirstToken[tokens[start]] ?? [] {
                let entry = entries[index]
                let end = start + entry.tokens.count
                guard end <= tokens.count, tokens[start..<end].elementsEqual(entry.tokens) else { continue }
                if best == nil || end > best!.end { best = Match(start: start, end: end, entry: index) }
            }
            if let best {
                result.append(best)
                start = best.end
            } else {
                start += 1
            }
        }
        return result
    }

    /// The best entry for `tokens` of `type` (or any type), exact first, then fuzzy.
    public func lookup(_ tokens: [String], type: EntityType?) -> (entry: Entry, score: Double)? {
        for index in byFirstToken[tokens.first ?? ""] ?? [] {
            let entry = entries[index]
            if entry.tokens == tokens, type == nil || entry.type == type { return (entry, 1) }
        }
        return fuzzy(tokens, type: type, threshold: .strict)
    }

    /// How close a fuzzy match must be.
    public enum Threshold: Sendable {
        /// A match with nothing else for it: same sound and similar letters, or nearly the
        /// same letters.
        case strict
        /// A match where the tagger expects an entity: similar sound is enough.
        case loose
    }

    /// The entry that sounds or is spelt most like `tokens`, if close enough.
    public func fuzzy(_ tokens: [String], type: EntityType?, threshold: Threshold) -> (entry: Entry, score: Double)? {
        let letters = tokens.joined().lettersAndDigits
        guard letters.count >= 3 else { return nil }
        let codes = DoubleMetaphone(letters)
        let letterBytes = Array(letters.utf8)
        let primary = Array(codes.primary.utf8)
        let alternate = Array(codes.alternate.utf8)
        // Every threshold below needs at least this spelling similarity.
        let minimumSpelling = threshold == .strict ? 0.5 : 0.3
        // Entries are read in place by index: copying each one (three strings, four arrays)
        // cost more than the filters below.
        var best: (index: Int, score: Double)?
        for index in entries.indices {
            if let type, entries[index].type != type { continue }
            // Cheap length filter before the edit distances.
            let length = entries[index].bytes.letters.count
            guard abs(length - letterBytes.count) <= max(3, letterBytes.count / 2), length >= 3 else { continue }
            // Bounds that skip work without changing the answer: the spelling similarity is at
            // most 1 − |length difference| / longest, and a score at most 0.4 + 0.6 × spelling
            // (sound ≤ 1). Sound, the dearest part, is computed last.
            let longest = Double(max(length, letterBytes.count))
            let spellingBound = 1 - Double(abs(length - letterBytes.count)) / longest
            guard spellingBound >= minimumSpelling, best.map({ 0.4 + 0.6 * spellingBound > $0.score }) ?? true else { continue }
            let spelling = similarity(letterBytes, entries[index].bytes.letters, atLeast: minimumSpelling)
            guard spelling >= minimumSpelling, best.map({ 0.4 + 0.6 * spelling > $0.score }) ?? true else { continue }
            var sound = soundSimilarity(primary, entries[index].bytes.primary)
            if sound < 1 {
                sound = max(
                    sound, soundSimilarity(alternate, entries[index].bytes.alternate),
                    soundSimilarity(primary, entries[index].bytes.alternate), soundSimilarity(alternate, entries[index].bytes.primary))
            }
            let accepted: Bool
            switch threshold {
            case .strict:
                accepted = (sound == 1 && spelling >= 0.5) || spelling >= 0.75 || (sound >= 0.75 && spelling >= 0.6)
            case .loose:
                accepted = (sound == 1 && spelling >= 0.3) || spelling >= 0.6 || (sound >= 0.6 && spelling >= 0.35)
            }
            guard accepted else { continue }
            let score = 0.4 * sound + 0.6 * spelling
            if best == nil || score > best!.score { best = (index, score) }
        }
        return best.map { (entries[$0.index], $0.score) }
    }

    // MARK: - Spoken forms

    static func brandForms(_ brand: String) -> [String] {
        var forms: [String] = [brand]
        let lower = brand.lowercased()
        var folded = ""
        for scalar in lower.unicodeScalars { folded += foldedLatin(scalar) ?? String(scalar) }
        forms.append(folded)
        forms.append(folded.replacingAll("'", with: ""))  // levis, kiehls
        if folded.contains("'s") { forms.append(folded.replacingAll("'s", with: "")) }  // levi
        forms.append(folded.replacingAll(".", with: " "))  // j crew, e l f cosmetics
        forms.append(folded.replacingAll(".", with: ""))  // jcrew, elf cosmetics
        forms.append(folded.replacingAll("-", with: " "))  // z man games, audio technica
        forms.append(folded.replacingAll("-", with: ""))
        if folded.hasPrefix("dr. ") { forms.append("doctor " + folded.dropFirst(4)) }
        if folded.hasPrefix("the ") { forms.append(String(folded.dropFirst(4))) }
        if folded.contains("&") {
            forms.append(folded.replacingAll("&", with: " and "))
            forms.append(folded.replacingAll("&", with: " n "))
        }
        // Brands said letter by letter: "hp" as "h p", "jbl" as "j b l".
        if brand.count <= 4, brand == brand.uppercased(), brand.allSatisfy({ $0.isLetter }) {
            forms.append(brand.lowercased().map(String.init).joined(separator: " "))
        }
        return forms
    }

    /// A noun's spoken forms: itself, with and without hyphens, and its singular.
    static func nounForms(_ noun: String) -> [String] {
        let lower = noun.lowercased()
        var forms = [lower, lower.replacingAll("-", with: " "), lower.replacingAll("-", with: "")]
        for form in forms where form.hasSuffix("s") && !form.hasSuffix("ss") && form.count > 3 {
            if form.hasSuffix("ses") || form.hasSuffix("xes") || form.hasSuffix("ches") || form.hasSuffix("shes") {
                forms.append(String(form.dropLast(2)))
            } else if !["jeans", "shorts", "pants", "leggings", "sunglasses", "chinos"].contains(form) {
                forms.append(String(form.dropLast()))
            }
        }
        return forms
    }

    static func isAudience(_ segment: String) -> Bool {
        ["women", "men", "kids", "boys", "girls", "baby"].contains(segment.lowercased())
    }

    static func audienceForms(_ segment: String) -> [String] {
        let lower = segment.lowercased()
        return [lower, lower + "'s", lower + "s"]
    }

    /// The last segment all `paths` end with, when they share one ("Men/Jeans", "Women/Jeans" → "Jeans").
    static func commonSegment(_ paths: Set<String>) -> String? {
        let leaves = Set(paths.compactMap { $0.split(separator: "/").last.map(String.init) })
        return leaves.count == 1 ? leaves.first : nil
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Index>? {
        let needle = Array(target.utf8)
        let hay = Array(utf8)
        guard needle.count <= hay.count else { return nil }
        for offset in 0...(hay.count - needle.count) where hay[offset..<(offset + needle.count)].elementsEqual(needle) {
            let lower = utf8.index(utf8.startIndex, offsetBy: offset)
            let upper = utf8.index(lower, offsetBy: needle.count)
            return lower..<upper
        }
        return nil
    }
}
