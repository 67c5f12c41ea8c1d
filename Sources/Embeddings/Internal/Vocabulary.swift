internal import Glibc

/// vocab.txt as an open-addressing hash table over UTF-8 bytes: token → id (the line number).
///
/// Keys are compared byte for byte. A `Dictionary<String, Int32>` would compare by canonical
/// equivalence and allocate a string for each of WordPiece's many trial look-ups; here a
/// look-up of "##" + a slice of a word hashes the slice in place.
struct Vocabulary: Sendable {
    /// Every token's UTF-8 bytes, back to back.
    private let bytes: [UInt8]
    /// Per id: where its bytes start in `bytes`, and how many there are.
    private let starts: [Int32]
    private let lengths: [Int32]
    /// Slot → id, or -1. The count is a power of two, at least twice the number of tokens.
    private let slots: [Int32]
    /// The longest token, in bytes: a longer piece cannot match.
    let longestToken: Int

    /// The number of tokens.
    var count: Int { starts.count }

    /// Parses the contents of vocab.txt, one token a line. A token that occurs twice keeps the
    /// id of its last line, as BERT's `load_vocab` does.
    init(contents: [UInt8]) {
        var bytes: [UInt8] = []
        var starts: [Int32] = []
        var lengths: [Int32] = []
        bytes.reserveCapacity(contents.count)
        var lineStart = 0
        var longest = 0
        for index in 0...contents.count where index == contents.count || contents[index] == UInt8(ascii: "\n") {
            if index == contents.count && index == lineStart { break }  // no token after the final newline
            starts.append(Int32(bytes.count))
            lengths.append(Int32(index - lineStart))
            bytes.append(contentsOf: contents[lineStart..<index])
            longest = max(longest, index - lineStart)
            lineStart = index + 1
        }
        var capacity = 1
        while capacity < starts.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: -1, count: capacity)
        bytes.withUnsafeBufferPointer { all in
            for id in starts.indices {
                let token = UnsafeBufferPointer(rebasing: all[Int(starts[id])..<Int(starts[id] + lengths[id])])
                var slot = Int(Self.hash(prefix: false, token) & UInt64(capacity - 1))
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    if UnsafeBufferPointer(rebasing: all[Int(starts[other])..<Int(starts[other] + lengths[other])])
                        .elementsEqual(token)
                    {
                        break  // a duplicate: the later line wins
                    }
                    slot = (slot + 1) & (capacity - 1)
                }
                slots[slot] = Int32(id)
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.lengths = lengths
        self.slots = slots
        self.longestToken = longest
    }

    /// Reads and parses vocab.txt.
    /// - Throws: `EmbeddingsError` `.modelMissing` when the file cannot be read.
    static func load(path: String) throws(EmbeddingsError) -> Vocabulary {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw EmbeddingsError(
                code: .modelMissing,
                path: path,
                message: "cannot open (\(String(cString: strerror(errno)))): run scripts/fetch-models, or set VOICESHOP_MODELS_DIR"
            )
        }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                throw EmbeddingsError(code: .modelMissing, path: path, message: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            contents.append(contentsOf: chunk[0..<n])
        }
        return Vocabulary(contents: contents)
    }

    /// The id of `token` (with "##" in front when `continuation`), or nil.
    func id(continuation: Bool, _ token: UnsafeBufferPointer<UInt8>) -> Int32? {
        let mask = slots.count - 1
        var slot = Int(Self.hash(prefix: continuation, token) & UInt64(mask))
        let prefixLength = continuation ? 2 : 0
        return bytes.withUnsafeBufferPointer { all in
            while true {
                let id = slots[slot]
                if id < 0 { return nil }
                let start = Int(starts[Int(id)])
                let length = Int(lengths[Int(id)])
                if length == token.count + prefixLength
                    && (!continuation || (all[start] == UInt8(ascii: "#") && all[start + 1] == UInt8(ascii: "#")))
                    && UnsafeBufferPointer(rebasing: all[(start + prefixLength)..<(start + length)]).elementsEqual(token)
                {
                    return id
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The id of a token given as a string (special tokens such as "[CLS]").
    func id(of token: String) -> Int32? {
        var token = token
        return token.withUTF8 { id(continuation: false, $0) }
    }

    /// FNV-1a over ("##" when `prefix`) + `token`.
    private static func hash(prefix: Bool, _ token: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        if prefix {
            hash = (hash ^ UInt64(UInt8(ascii: "#"))) &* 0x100_0000_01b3
            hash = (hash ^ UInt64(UInt8(ascii: "#"))) &* 0x100_0000_01b3
        }
        for byte in token {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash ^ (hash >> 29)
    }
}
