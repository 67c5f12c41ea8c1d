internal import CFlite
internal import Synchronization

/// Pronunciations for words the dictionary lacks, from flite's CMU lexicon and its
/// letter-to-sound rules (Debian `flite1-dev`), in the ARPAbet phones pocketsphinx's en-us
/// model uses: `lululemon` → `L AH L UW L IH M AA N`.
///
/// flite's lexicon is process-wide C state, so every lookup goes through one lock.
public enum LetterToSound {
    /// The flite lexicon, created on first use.
    private static let lexicon = Mutex<LexiconHandle?>(nil)

    /// The phones of `word` (lower-case letters and apostrophes), stress removed and flite's
    /// schwa `ax` mapped to `AH`; empty when flite has nothing (no letters).
    public static func phones(for word: String) -> [String] {
        let letters = String(word.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || $0 == "'" })
        guard letters.contains(where: { $0 != "'" }) else { return [] }
        return lexicon.withLock { handle -> [String] in
            if handle == nil { handle = LexiconHandle(pointer: cmu_lex_init()) }
            guard let pointer = handle?.pointer else { return [] }
            guard let list = lex_lookup(pointer, letters, nil, nil) else { return [] }
            defer { delete_val(list) }
            var phones: [String] = []
            var cursor: UnsafePointer<cst_val>? = UnsafePointer(list)
            while let cell = cursor {
                if let car = val_car(cell), let text = val_string(car) {
                    let phone = String(cString: text).uppercased().filter { !$0.isNumber }
                    switch phone {
                    case "AX": phones.append("AH")
                    case "PAU", "": break
                    default: phones.append(phone)
                    }
                }
                cursor = val_cdr(cell)
            }
            return phones
        }
    }
}

/// flite's lexicon pointer. `@unchecked Sendable`: it is only read under `LetterToSound`'s lock.
private struct LexiconHandle: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<cst_lexicon>?
}
