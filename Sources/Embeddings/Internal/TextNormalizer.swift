/// BERT's uncased normaliser and pre-tokeniser, one Unicode scalar at a time: the semantics of
/// the model's tokenizer.json (HF tokenizers' BertNormalizer with clean_text,
/// handle_chinese_chars, lowercase and accent stripping, then BertPreTokenizer).
///
/// For each scalar of the input:
/// 1. U+0000, U+FFFD and every C* scalar (control, format, surrogate, private use, unassigned)
///    are dropped, except tab, newline and carriage return, which are whitespace;
/// 2. whitespace (the White_Space property) ends the current word;
/// 3. a CJK ideograph (BERT's ranges) becomes a word of its own;
/// 4. otherwise the scalar is decomposed (`AccentTable`, Hangul by arithmetic), Mn scalars are
///    dropped (accent stripping), and each remaining scalar is lower-cased on its own (a
///    capital sigma always becomes "σ");
/// 5. punctuation (Unicode P* and the ASCII symbols ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``)
///    becomes a word of its own.
///
/// Coverage: the canonical decompositions of Unicode `AccentTable.unicodeVersion` (all
/// scripts, not only Latin, Greek and Cyrillic); general categories and lower-case mappings
/// come from the Swift standard library's Unicode data, which may be a newer version. So
/// characters assigned after that version may be treated differently from Python 3.11; the
/// fixture (Tests/EmbeddingsTests/Fixtures) pins the behaviour on 52 strings. The
/// canonical reordering of marks that NFD does only matters for marks that survive
/// stripping (Mc/Me with a non-zero combining class), which no tokenizer vocabulary contains.
enum TextNormalizer {
    /// Calls `word` with each word's scalars, in order; punctuation and CJK ideographs come
    /// as one-scalar words. Stops early when `word` returns false.
    static func forEachWord(in text: String, _ word: ([UInt32]) -> Bool) {
        var current: [UInt32] = []
        current.reserveCapacity(32)
        var single: [UInt32] = [0]
        var stopped = false

        func flush() {
            if !current.isEmpty && !stopped {
                stopped = !word(current)
            }
            current.removeAll(keepingCapacity: true)
        }
        func emitAlone(_ value: UInt32) {
            flush()
            if !stopped {
                single[0] = value
                stopped = !word(single)
            }
        }
        func append(_ value: UInt32) {
            if isPunctuation(value) { emitAlone(value) } else { current.append(value) }
        }
        func appendLowercased(_ value: UInt32) {
            if value < 0x80 {
                append(value >= 0x41 && value <= 0x5A ? value + 0x20 : value)
                return
            }
            guard let scalar = Unicode.Scalar(value) else { return }
            let properties = scalar.properties
            if properties.changesWhenLowercased {
                for lower in properties.lowercaseMapping.unicodeScalars { append(lower.value) }
            } else {
                append(value)
            }
        }

        for scalar in text.unicodeScalars {
            if stopped { return }
            let value = scalar.value
            if value < 0x80 {  // ASCII: no decomposition, and only A-Z change case
                switch value {
                case 0x09, 0x0A, 0x0D, 0x20: flush()
                case 0x00..<0x20, 0x7F: continue
                case 0x41...0x5A: current.append(value + 0x20)
                default: append(value)
                }
                continue
            }
            let properties = scalar.properties
            if value == 0xFFFD || isOther(properties.generalCategory) { continue }
            if properties.isWhitespace {
                flush()
                continue
            }
            let cjk = isCJKIdeograph(value)
            if cjk { flush() }
            decompose(value) { part in
                // Mn scalars vanish (accent stripping); only those without a decomposition
                // reach this check, the table has already removed the others'.
                if part == value && properties.generalCategory == .nonspacingMark { return }
                appendLowercased(part)
            }
            if cjk { flush() }
        }
        flush()
    }

    /// Calls `body` with each scalar of the canonical decomposition of `value` without its
    /// Mn scalars (for a scalar with no decomposition: the scalar itself).
    @inline(__always)
    static func decompose(_ value: UInt32, _ body: (UInt32) -> Void) {
        if value < 0xC0 {
            body(value)
        } else if value >= 0xAC00 && value <= 0xD7A3 {  // Hangul syllable: L V (T)
            let index = value - 0xAC00
            body(0x1100 + index / 588)
            body(0x1161 + (index % 588) / 28)
            if index % 28 != 0 { body(0x11A7 + index % 28) }
        } else if let row = tableRow(value) {
            for index in Int(AccentTable.starts[row])..<Int(AccentTable.starts[row + 1]) {
                body(AccentTable.replacements[index])
            }
        } else {
            body(value)
        }
    }

    /// The row of `value` in `AccentTable.keys` (binary search), or nil.
    private static func tableRow(_ value: UInt32) -> Int? {
        let keys = AccentTable.keys
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < keys.count && keys[low] == value ? low : nil
    }

    /// BERT's punctuation: the ASCII symbols plus every Unicode P* category.
    static func isPunctuation(_ value: UInt32) -> Bool {
        if value < 0x80 {
            return (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
                || (123...126).contains(value)
        }
        guard let scalar = Unicode.Scalar(value) else { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// C*: control, format, surrogate, private use, unassigned.
    private static func isOther(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .control, .format, .surrogate, .privateUse, .unassigned: true
        default: false
        }
    }

    /// The CJK Unified Ideographs blocks BERT puts spaces around.
    static func isCJKIdeograph(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}
