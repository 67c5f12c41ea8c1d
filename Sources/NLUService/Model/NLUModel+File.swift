/// The model file: our own little-endian binary format, read and written without Foundation.
///
/// ```
/// "VSNLU" 0x00 version:u16                     magic and format version (1)
/// seed:u64 taggerEpochs:u32 classifierEpochs:u32 trainedOn:u32
/// tagger:      tagCount:u32 tags:str*  transitions:f32*((tags+1)×tags)
///              rowCount:u32 rows: (hash:u64 nonZero:u16 (tag:u16 weight:f32)*)*
/// classifier:  labelCount:u32 labels:str*  rowCount:u32 rows: (hash:u64 weight:f32*labels)*
/// words:       count:u32 hash:u64*                                  (sorted)
/// str = length:u32 UTF-8 bytes
/// ```
/// Rows are written in hash order, so the same model always gives the same bytes.
extension NLUModel {
    static let magic: [UInt8] = Array("VSNLU".utf8) + [0]
    static let formatVersion: UInt16 = 1

    /// The model in the file format.
    public func serialized() -> [UInt8] {
        var out = ByteWriter()
        out.bytes(Self.magic)
        out.u16(Self.formatVersion)
        out.u64(settings.seed)
        out.u32(UInt32(settings.taggerEpochs))
        out.u32(UInt32(settings.classifierEpochs))
        out.u32(UInt32(trainedOn))
        let tagCount = tagger.tags.count
        out.u32(UInt32(tagCount))
        for tag in tagger.tags { out.string(tag) }
        for weight in tagger.transitions { out.f32(weight) }
        out.u32(UInt32(tagger.rows.count))
        for (hash, row) in tagger.rows.sorted(by: { $0.key < $1.key }) {
            out.u64(hash)
            let slice = tagger.weights[(Int(row) * tagCount)..<(Int(row) * tagCount + tagCount)]
            let nonZero = slice.enumerated().filter { $0.element != 0 }
            out.u16(UInt16(nonZero.count))
            for (tag, weight) in nonZero {
                out.u16(UInt16(tag))
                out.f32(weight)
            }
        }
        let labelCount = classifier.labels.count
        out.u32(UInt32(labelCount))
        for label in classifier.labels { out.string(label) }
        out.u32(UInt32(classifier.rows.count))
        for (hash, row) in classifier.rows.sorted(by: { $0.key < $1.key }) {
            out.u64(hash)
            for label in 0..<labelCount { out.f32(classifier.weights[Int(row) * labelCount + label]) }
        }
        out.u32(UInt32(knownWords.count))
        for hash in knownWords.sorted() { out.u64(hash) }
        return out.buffer
    }

    /// Reads a model from the file format.
    /// - Throws: `NLUError` (`.badModel`) when the bytes are not a model of this version.
    public init(serialized bytes: [UInt8]) throws {
        var input = ByteReader(bytes)
        guard try input.bytes(Self.magic.count) == Self.magic else {
            throw NLUError(code: .badModel, message: "not an nlu-svc model file (bad magic)")
        }
        let version = try input.u16()
        guard version == Self.formatVersion else {
            throw NLUError(code: .badModel, message: "model format version \(version); this nlu-svc reads \(Self.formatVersion)")
        }
        let settings = TrainingSettings(seed: try input.u64(), taggerEpochs: Int(try input.u32()), classifierEpochs: Int(try input.u32()))
        let trainedOn = Int(try input.u32())
        let tagCount = Int(try input.u32())
        guard tagCount > 0, tagCount < 10_000 else { throw NLUError(code: .badModel, message: "bad tag count \(tagCount)") }
        var tags: [String] = []
        for _ in 0..<tagCount { tags.append(try input.string()) }
        var transitions: [Float] = []
        for _ in 0..<((tagCount + 1) * tagCount) { transitions.append(try input.f32()) }
        let taggerRows = Int(try input.u32())
        var rows: [UInt64: Int32] = [:]
        rows.reserveCapacity(taggerRows)
        var weights = [Float](repeating: 0, count: taggerRows * tagCount)
        for row in 0..<taggerRows {
            rows[try input.u64()] = Int32(row)
            for _ in 0..<Int(try input.u16()) {
                let tag = Int(try input.u16())
                guard tag < tagCount else { throw NLUError(code: .badModel, message: "tag index \(tag) out of range") }
                weights[row * tagCount + tag] = try input.f32()
            }
        }
        let tagger = SlotTagger(tags: tags, rows: rows, weights: weights, transitions: transitions)
        let labelCount = Int(try input.u32())
        guard labelCount > 0, labelCount < 10_000 else { throw NLUError(code: .badModel, message: "bad label count \(labelCount)") }
        var labels: [String] = []
        for _ in 0..<labelCount { labels.append(try input.string()) }
        let classifierRows = Int(try input.u32())
        var classifierIndex: [UInt64: Int32] = [:]
        classifierIndex.reserveCapacity(classifierRows)
        var classifierWeights: [Float] = []
        classifierWeights.reserveCapacity(classifierRows * labelCount)
        for row in 0..<classifierRows {
            classifierIndex[try input.u64()] = Int32(row)
            for _ in 0..<labelCount { classifierWeights.append(try input.f32()) }
        }
        let classifier = IntentClassifier(labels: labels, rows: classifierIndex, weights: classifierWeights)
        var knownWords: Set<UInt64> = []
        for _ in 0..<Int(try input.u32()) { knownWords.insert(try input.u64()) }
        guard input.atEnd else { throw NLUError(code: .badModel, message: "trailing bytes after the model") }
        self.init(tagger: tagger, classifier: classifier, knownWords: knownWords, settings: settings, trainedOn: trainedOn)
    }

    /// Reads the model file at `path`.
    public static func load(file path: String) throws -> NLUModel {
        do {
            return try NLUModel(serialized: try FileIO.read(path))
        } catch let error as NLUError where error.code == .badModel {
            throw NLUError(code: .badModel, message: "\(path): \(error.message)")
        }
    }

    /// Writes the model file to `path`.
    public func save(file path: String) throws {
        try FileIO.write(serialized(), to: path)
    }

    /// A short fingerprint of the model's bytes ("nlu-1a2b3c4d").
    public var fingerprint: String {
        var hash = FeatureHash(0)
        for byte in serialized() { hash.mix(byte) }
        let hex = String(hash.value >> 32, radix: 16)
        return "nlu-" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}

struct ByteWriter {
    var buffer: [UInt8] = []

    mutating func bytes(_ bytes: [UInt8]) { buffer += bytes }
    mutating func u16(_ value: UInt16) { for shift in stride(from: 0, to: 16, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> shift)) } }
    mutating func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> shift)) } }
    mutating func u64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> shift)) } }
    mutating func f32(_ value: Float) { u32(value.bitPattern) }
    mutating func string(_ value: String) {
        u32(UInt32(value.utf8.count))
        buffer += Array(value.utf8)
    }
}

struct ByteReader {
    let data: [UInt8]
    var offset = 0

    init(_ data: [UInt8]) { self.data = data }

    var atEnd: Bool { offset == data.count }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, offset + count <= data.count else {
            throw NLUError(code: .badModel, message: "the model file is truncated at byte \(offset)")
        }
        defer { offset += count }
        return Array(data[offset..<(offset + count)])
    }

    private mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws -> T {
        let size = T.bitWidth / 8
        guard offset + size <= data.count else { throw NLUError(code: .badModel, message: "the model file is truncated at byte \(offset)") }
        var value: T = 0
        for index in 0..<size { value |= T(data[offset + index]) << (8 * index) }
        offset += size
        return value
    }

    mutating func u16() throws -> UInt16 { try integer(UInt16.self) }
    mutating func u32() throws -> UInt32 { try integer(UInt32.self) }
    mutating func u64() throws -> UInt64 { try integer(UInt64.self) }
    mutating func f32() throws -> Float { Float(bitPattern: try u32()) }
    mutating func string() throws -> String {
        let count = Int(try u32())
        guard count < 1 << 20 else { throw NLUError(code: .badModel, message: "string of \(count) bytes at byte \(offset)") }
        return String(decoding: try bytes(count), as: UTF8.self)
    }
}
