/// Splits a streamed import body into records with the line number each starts on: one
/// line per JSONL or TSV record; for CSV, a quoted field may span lines (RFC 4180).
/// Blank lines are skipped; a trailing `\r` is dropped.
struct RecordSplitter {
    private let quoted: Bool
    private var pending: [UInt8] = []
    private var inQuotes = false
    private var line = 1
    private var recordStart = 1

    /// - Parameter csv: whether quotes may hide line breaks.
    init(csv: Bool) { quoted = csv }

    /// Feeds bytes; returns the records they complete.
    mutating func feed(_ bytes: [UInt8]) -> [(line: Int, text: String)] {
        var out: [(Int, String)] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\"") && quoted { inQuotes.toggle() }
            if byte == UInt8(ascii: "\n") {
                line += 1
                if !inQuotes {
                    emit(into: &out)
                    continue
                }
            }
            pending.append(byte)
        }
        return out
    }

    /// Ends the body; returns the last record if it had no line break.
    mutating func finish() -> [(line: Int, text: String)] {
        var out: [(Int, String)] = []
        emit(into: &out)
        return out
    }

    private mutating func emit(into out: inout [(Int, String)]) {
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        let blank = pending.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        if !blank { out.append((recordStart, String(decoding: pending, as: UTF8.self))) }
        pending.removeAll(keepingCapacity: true)
        inQuotes = false
        recordStart = line
    }
}
