internal import Glibc

/// The shape of the encoder, from model.bin's header.
struct ModelConfiguration: Hashable, Sendable {
    var vocabularySize: Int
    var hiddenSize: Int
    var layers: Int
    var heads: Int
    var intermediateSize: Int
    var maxPositions: Int
    var layerNormEpsilon: Float
}

/// model.bin mapped read-only into memory. The format (version 1) is written by
/// scripts/models/convert_minilm.py, whose doc comment describes it: a 128-byte header, a
/// table of 64-byte entries (name, byte offset, rows, columns), then float32 tensors on
/// 64-byte boundaries. This file and `Vocabulary.load` are the only ones that do file I/O.
///
/// The mapping is `PROT_READ` and `MAP_PRIVATE`, lives as long as this object and is unmapped
/// in `deinit`; every pointer handed out points into it.
final class ModelFile {
    /// The format version this code reads (also in scripts/fetch-models and convert_minilm.py).
    static let formatVersion: UInt32 = 1
    private static let magic: [UInt8] = Array("VSMINILM".utf8)
    private static let headerBytes = 128
    private static let entryBytes = 64
    private static let nameBytes = 40

    let path: String
    let configuration: ModelConfiguration
    private let base: UnsafeRawPointer
    private let size: Int
    private let entries: [String: (offset: Int, rows: Int, columns: Int)]

    /// Maps `path` and checks its header and tensor table.
    /// - Throws: `EmbeddingsError` `.modelMissing` when the file cannot be opened,
    ///   `.modelInvalid` when it is not a version-1 model.bin or is truncated.
    init(path: String) throws(EmbeddingsError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw EmbeddingsError(
                code: .modelMissing,
                path: path,
                message: "cannot open (\(String(cString: strerror(errno)))): run scripts/fetch-models, or set VOICESHOP_MODELS_DIR"
            )
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= Self.headerBytes else {
            throw EmbeddingsError(code: .modelInvalid, path: path, message: "shorter than its header")
        }
        let size = Int(info.st_size)
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw EmbeddingsError(code: .modelInvalid, path: path, message: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let base = UnsafeRawPointer(mapped)
        func fail(_ message: String) -> EmbeddingsError {
            munmap(mapped, size)
            return EmbeddingsError(code: .modelInvalid, path: path, message: message + "; run scripts/fetch-models again")
        }
        func u32(_ offset: Int) -> Int { Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }

        guard Array(UnsafeRawBufferPointer(start: base, count: 8)) == Self.magic else {
            throw fail("not a VoiceShop model file (bad magic)")
        }
        guard u32(8) == Self.formatVersion else {
            throw fail("format version \(u32(8)), this build reads version \(Self.formatVersion)")
        }
        let count = u32(12)
        let epsilon = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 40, as: UInt32.self)))
        let configuration = ModelConfiguration(
            vocabularySize: u32(16),
            hiddenSize: u32(20),
            layers: u32(24),
            heads: u32(28),
            intermediateSize: u32(32),
            maxPositions: u32(36),
            layerNormEpsilon: epsilon
        )
        guard Self.headerBytes + count * Self.entryBytes <= size else { throw fail("tensor table truncated") }
        var entries: [String: (offset: Int, rows: Int, columns: Int)] = [:]
        for index in 0..<count {
            let entry = Self.headerBytes + index * Self.entryBytes
            let nameBytes = UnsafeRawBufferPointer(start: base + entry, count: Self.nameBytes)
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            let offset = Int(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: entry + Self.nameBytes, as: UInt64.self)))
            let rows = u32(entry + Self.nameBytes + 8)
            let columns = u32(entry + Self.nameBytes + 12)
            guard offset % 64 == 0, offset >= 0, offset + rows * columns * 4 <= size else {
                throw fail("tensor \(name) lies outside the file")
            }
            entries[name] = (offset, rows, columns)
        }
        self.base = base
        self.size = size
        self.configuration = configuration
        self.entries = entries
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
    }

    /// The tensor called `name`, which must have the given shape.
    /// - Throws: `EmbeddingsError` `.modelInvalid` when it is missing or has another shape.
    func tensor(_ name: String, rows: Int, columns: Int) throws(EmbeddingsError) -> UnsafePointer<Float> {
        guard let entry = entries[name] else {
            throw EmbeddingsError(code: .modelInvalid, path: path, message: "no tensor \(name); run scripts/fetch-models again")
        }
        guard entry.rows == rows, entry.columns == columns else {
            throw EmbeddingsError(
                code: .modelInvalid,
                path: path,
                message: "tensor \(name) is \(entry.rows)×\(entry.columns), expected \(rows)×\(columns)"
            )
        }
        return (base + entry.offset).assumingMemoryBound(to: Float.self)
    }

    /// Maps the pages of a tensor now (MADV_POPULATE_READ, Linux 5.14+; a no-op elsewhere), so
    /// the first encode does not fault them in one by one.
    func prefault(_ pointer: UnsafePointer<Float>, count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: pointer) / page * page
        let end = Int(bitPattern: pointer + count)
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_POPULATE_READ)
    }
}
