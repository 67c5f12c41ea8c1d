internal import CProtobufC

/// Packing and unpacking through protobuf-c, shared by the generated message extensions.
enum ProtoCCodec {
    /// Unpacks `bytes` with a generated `__unpack` function (default allocator), converts
    /// the C message with `make`, and frees it with the matching `__free_unpacked`.
    /// - Throws: ``ProtoDecodingError`` when protobuf-c rejects the bytes or `make` fails.
    @inline(__always)
    static func decode<CMessage, Message>(
        _ bytes: UnsafeRawBufferPointer,
        messageName: String,
        unpack: (Int, UnsafePointer<UInt8>) -> UnsafeMutablePointer<CMessage>?,
        free: (UnsafeMutablePointer<CMessage>) -> Void,
        _ make: (UnsafePointer<CMessage>) throws -> Message
    ) throws -> Message {
        let unpacked = withBytes(bytes) { unpack($0, $1) }
        guard let unpacked else { throw malformed(bytes, messageName) }
        defer { free(unpacked) }
        return try make(unpacked)
    }

    /// Like the other `decode`, for nested messages, for which protoc-c generates no
    /// `__unpack`: the generic `protobuf_c_message_unpack` with the message's descriptor.
    static func decode<CMessage, Message>(
        _ bytes: UnsafeRawBufferPointer,
        messageName: String,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        as type: CMessage.Type,
        _ make: (UnsafePointer<CMessage>) throws -> Message
    ) throws -> Message {
        let unpacked = withBytes(bytes) { protobuf_c_message_unpack(descriptor, nil, $0, $1) }
        guard let unpacked else { throw malformed(bytes, messageName) }
        defer { protobuf_c_message_free_unpacked(unpacked, nil) }
        return try make(UnsafeRawPointer(unpacked).assumingMemoryBound(to: CMessage.self))
    }

    /// Appends `size` bytes to `buffer` and lets `pack` write them.
    @inline(__always)
    static func append(to buffer: inout [UInt8], size: Int, _ pack: (UnsafeMutablePointer<UInt8>) -> Int) {
        guard size > 0 else { return }
        if buffer.isEmpty {
            buffer = [UInt8](unsafeUninitializedCapacity: size) { memory, count in
                let written = pack(memory.baseAddress!)
                precondition(written == size, "protobuf-c packed \(written) bytes, expected \(size)")
                count = size
            }
            return
        }
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: size))
        buffer.withUnsafeMutableBufferPointer { memory in
            let written = pack(memory.baseAddress! + start)
            precondition(written == size, "protobuf-c packed \(written) bytes, expected \(size)")
        }
    }

    /// Packs any C message (its first member is the `ProtobufCMessage` base) onto `buffer`.
    static func appendGeneric<CMessage>(to buffer: inout [UInt8], _ message: UnsafeMutablePointer<CMessage>) {
        let base = UnsafeRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self)
        append(to: &buffer, size: protobuf_c_message_get_packed_size(base)) { protobuf_c_message_pack(base, $0) }
    }

    /// Calls `body` with the length and a non-null pointer to `bytes` (protobuf-c wants one
    /// even for empty input).
    @inline(__always)
    static func withBytes<Result>(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (Int, UnsafePointer<UInt8>) -> Result
    ) -> Result {
        if let base = bytes.baseAddress, bytes.count > 0 {
            return body(bytes.count, base.assumingMemoryBound(to: UInt8.self))
        }
        var empty: UInt8 = 0
        return withUnsafePointer(to: &empty) { body(0, $0) }
    }

    private static func malformed(_ bytes: UnsafeRawBufferPointer, _ messageName: String) -> ProtoDecodingError {
        ProtoDecodingError(
            code: .malformed,
            messageName: messageName,
            message: "\(bytes.count) bytes are not a valid \(messageName)"
        )
    }
}

/// Reads C fields of an unpacked message into Swift values.
enum ProtoCRead {
    /// A string field; empty for the shared empty string.
    /// - Throws: ``ProtoDecodingError`` `.invalidUTF8` when the bytes are not UTF-8.
    @inline(__always)
    static func string(_ pointer: UnsafePointer<CChar>?, field: StaticString) throws -> String {
        guard let pointer, pointer.pointee != 0 else { return "" }
        guard let string = String(validatingCString: pointer) else { throw invalidUTF8(field) }
        return string
    }

    /// A bytes field.
    @inline(__always)
    static func binary(_ value: ProtobufCBinaryData) -> [UInt8] {
        guard value.len > 0, let data = value.data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: value.len))
    }

    /// A repeated field whose C elements have the Swift layout (integers, floats).
    @inline(__always)
    static func array<T>(_ pointer: UnsafePointer<T>?, _ count: Int) -> [T] {
        guard count > 0, let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// A repeated field converted element by element.
    static func map<T, Result>(_ pointer: UnsafePointer<T>?, _ count: Int, _ transform: (T) throws -> Result) rethrows
        -> [Result]
    {
        guard count > 0, let pointer else { return [] }
        return try UnsafeBufferPointer(start: pointer, count: count).map(transform)
    }

    /// A repeated bool field.
    static func booleans(_ pointer: UnsafePointer<protobuf_c_boolean>?, _ count: Int) -> [Bool] {
        map(pointer, count) { $0 != 0 }
    }

    /// A repeated string field.
    /// - Throws: ``ProtoDecodingError`` `.invalidUTF8` when an element is not UTF-8.
    static func strings(
        _ pointer: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
        _ count: Int,
        field: StaticString
    ) throws -> [String] {
        try map(pointer, count) { try string($0, field: field) }
    }

    /// A repeated bytes field.
    static func binaries(_ pointer: UnsafePointer<ProtobufCBinaryData>?, _ count: Int) -> [[UInt8]] {
        map(pointer, count) { binary($0) }
    }

    /// A repeated message field.
    @inline(__always)
    static func messages<CMessage, Message: ProtoMessage>(
        _ pointer: UnsafePointer<UnsafeMutablePointer<CMessage>?>?,
        _ count: Int,
        _ make: (UnsafePointer<CMessage>) throws -> Message
    ) throws -> [Message] {
        guard count > 0, let pointer else { return [] }
        var messages: [Message] = []
        messages.reserveCapacity(count)
        for index in 0..<count {
            guard let element = pointer[index] else {
                messages.append(Message())
                continue
            }
            messages.append(try make(element))
        }
        return messages
    }

    private static func invalidUTF8(_ field: StaticString) -> ProtoDecodingError {
        let name = field.description
        let messageName = name.split(separator: ".").dropLast().joined(separator: ".")
        return ProtoDecodingError(
            code: .invalidUTF8,
            messageName: messageName,
            message: "field \(name) is not valid UTF-8"
        )
    }
}
