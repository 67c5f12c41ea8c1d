internal import CProtobufC

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A bump allocator for the C structs, strings and arrays of one message being packed.
///
/// protobuf-c only reads a message's pointers while it packs, so everything a message points
/// at is allocated here and freed together when the arena ends. The first kilobyte lives on
/// the stack (`withUnsafeTemporaryAllocation`); larger messages add `malloc`ed chunks, so a
/// small message costs no heap allocation at all.
///
/// Memory handed out is uninitialized (the C `__init` functions and the copies fill it) and
/// must not be used after ``with(_:)`` returns.
struct ProtoArena: ~Copyable {
    /// Bytes of the stack buffer every arena starts with.
    static let stackBytes = 1024
    /// The smallest heap chunk.
    private static let minimumChunkBytes = 4096
    /// Bytes at the start of a heap chunk that link it to the previous one.
    private static let chunkHeaderBytes = 16

    private var cursor: UnsafeMutableRawPointer
    private var end: UnsafeMutableRawPointer
    /// The newest heap chunk; its first word points at the one before.
    private var chunks: UnsafeMutableRawPointer?
    private var nextChunkBytes = ProtoArena.minimumChunkBytes

    private init(buffer: UnsafeMutableRawBufferPointer) {
        cursor = buffer.baseAddress!
        end = buffer.baseAddress! + buffer.count
        chunks = nil
    }

    deinit {
        var chunk = chunks
        while let current = chunk {
            chunk = current.load(as: UnsafeMutableRawPointer?.self)
            free(current)
        }
    }

    /// Runs `body` with a fresh arena and frees everything it allocated afterwards.
    static func with<Result>(_ body: (inout ProtoArena) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(byteCount: stackBytes, alignment: 16) { buffer in
            var arena = ProtoArena(buffer: buffer)
            return try body(&arena)
        }
    }

    /// Uninitialized, aligned memory for `byteCount` bytes.
    mutating func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        let start = cursor.alignedUp(toMultipleOf: alignment)
        if byteCount <= end - start {
            cursor = start + byteCount
            return start
        }
        return allocateChunk(byteCount: byteCount, alignment: alignment)
    }

    private mutating func allocateChunk(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        let needed = Self.chunkHeaderBytes + byteCount + alignment
        let size = max(nextChunkBytes, needed)
        nextChunkBytes = min(nextChunkBytes * 2, 1 << 20)
        guard let chunk = malloc(size) else { fatalError("ProtoArena: out of memory (\(size) bytes)") }
        chunk.storeBytes(of: chunks, as: UnsafeMutableRawPointer?.self)
        chunks = chunk
        let start = (chunk + Self.chunkHeaderBytes).alignedUp(toMultipleOf: alignment)
        // Keep bump-allocating from the new chunk only if it has more room than the old one.
        let chunkEnd = chunk + size
        if chunkEnd - (start + byteCount) > end - cursor {
            cursor = start + byteCount
            end = chunkEnd
        }
        return start
    }

    /// Uninitialized memory for one `T`.
    mutating func allocate<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        allocate(byteCount: MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
            .bindMemory(to: T.self, capacity: 1)
    }

    /// Uninitialized memory for `count` values of `T`.
    mutating func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        allocate(byteCount: MemoryLayout<T>.stride * count, alignment: MemoryLayout<T>.alignment)
            .bindMemory(to: T.self, capacity: count)
    }

    /// A NUL-terminated copy of `string`'s UTF-8. A string with an embedded NUL is cut there
    /// (protobuf-c strings are C strings).
    mutating func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        var string = string
        return string.withUTF8 { utf8 in
            let memory = allocate(byteCount: utf8.count + 1, alignment: 1)
            if let base = utf8.baseAddress {
                memory.copyMemory(from: base, byteCount: utf8.count)
            }
            memory.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return memory.bindMemory(to: CChar.self, capacity: utf8.count + 1)
        }
    }

    /// A copy of `bytes` as a protobuf-c bytes value.
    mutating func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        let memory = allocate(UInt8.self, count: max(bytes.count, 1))
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                memory.initialize(from: base, count: source.count)
            }
        }
        return ProtobufCBinaryData(len: bytes.count, data: memory)
    }

    /// A copy of `values`, whose Swift layout equals the C one (integers, floats); `nil` when empty.
    mutating func copy<T: BitwiseCopyable>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let memory = allocate(T.self, count: values.count)
        values.withUnsafeBufferPointer { memory.initialize(from: $0.baseAddress!, count: $0.count) }
        return memory
    }

    /// `values` converted element by element; `nil` when empty.
    mutating func map<Element, T>(_ values: [Element], _ transform: (Element) -> T) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let memory = allocate(T.self, count: values.count)
        for (index, value) in values.enumerated() {
            (memory + index).initialize(to: transform(value))
        }
        return memory
    }

    /// Booleans as protobuf-c's `int`-sized `protobuf_c_boolean`; `nil` when empty.
    mutating func booleans(_ values: [Bool]) -> UnsafeMutablePointer<protobuf_c_boolean>? {
        map(values) { $0 ? 1 : 0 }
    }

    /// An array of C string copies; `nil` when empty.
    mutating func cStrings(_ values: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard !values.isEmpty else { return nil }
        let memory = allocate(UnsafeMutablePointer<CChar>?.self, count: values.count)
        for (index, value) in values.enumerated() {
            (memory + index).initialize(to: cString(value))
        }
        return memory
    }

    /// An array of bytes-value copies; `nil` when empty.
    mutating func binaries(_ values: [[UInt8]]) -> UnsafeMutablePointer<ProtobufCBinaryData>? {
        guard !values.isEmpty else { return nil }
        let memory = allocate(ProtobufCBinaryData.self, count: values.count)
        for (index, value) in values.enumerated() {
            (memory + index).initialize(to: binary(value))
        }
        return memory
    }
}
