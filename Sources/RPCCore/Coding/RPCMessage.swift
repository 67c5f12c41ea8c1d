/// A message that can cross an RPC boundary.
///
/// The generated protobuf types in `Protos` conform to it (packing and unpacking through
/// protobuf-c); ``RawMessage`` carries bytes that are not decoded at all.
public protocol RPCMessage: Sendable {
    /// Decodes a message from its serialized form.
    /// - Parameter serializedBytes: the encoded message, borrowed for the call only.
    /// - Throws: an error describing why the bytes are not a valid message.
    init(serializedBytes: UnsafeRawBufferPointer) throws

    /// Appends the serialized message to `buffer`.
    func serialize(into buffer: inout [UInt8])
}

extension RPCMessage {
    /// Decodes a message from an array of bytes.
    /// - Throws: an error describing why the bytes are not a valid message.
    public init(serializedBytes bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { try Self(serializedBytes: $0) }
    }

    /// The serialized message.
    public func serializedBytes() -> [UInt8] {
        var buffer: [UInt8] = []
        serialize(into: &buffer)
        return buffer
    }
}

/// Bytes passed through without decoding: used by generic tools such as the CLI.
public struct RawMessage: RPCMessage, Hashable {
    /// The serialized message.
    public var bytes: [UInt8]

    /// Wraps serialized bytes.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(serializedBytes: UnsafeRawBufferPointer) throws { self.bytes = Array(serializedBytes) }

    public func serialize(into buffer: inout [UInt8]) { buffer.append(contentsOf: bytes) }
}
