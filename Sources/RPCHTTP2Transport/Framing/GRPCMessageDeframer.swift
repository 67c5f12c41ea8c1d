internal import RPCCore

/// Splits a stream of DATA bytes into gRPC length-prefixed messages
/// (1-byte compressed flag, 4-byte big-endian length, message).
struct GRPCMessageDeframer {
    /// Largest message accepted; a longer one fails with RESOURCE_EXHAUSTED.
    let maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var offset = 0

    init(maxMessageBytes: Int) { self.maxMessageBytes = maxMessageBytes }

    /// Bytes received but not yet returned as a message.
    var bufferedBytes: Int { buffer.count - offset }

    /// Appends received bytes.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if offset > 0 && offset == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            offset = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, `nil` if more bytes are needed.
    /// - Throws: `RPCError` for a message over the limit or a compressed message
    ///   (no `grpc-encoding` is supported).
    mutating func next() throws -> [UInt8]? {
        let available = buffer.count - offset
        guard available >= 5 else { return nil }
        let flag = buffer[offset]
        let length =
            Int(buffer[offset + 1]) << 24 | Int(buffer[offset + 2]) << 16 | Int(buffer[offset + 3]) << 8
            | Int(buffer[offset + 4])
        if flag & 1 != 0 {
            throw RPCError(
                code: .internal,
                message: "The message is compressed (flag 1) but no grpc-encoding was negotiated; send it uncompressed."
            )
        }
        if flag > 1 {
            throw RPCError(code: .internal, message: "Invalid gRPC message flag \(flag).")
        }
        if length > maxMessageBytes {
            throw RPCError(
                code: .resourceExhausted,
                message: "The message is \(length) bytes, more than the limit of \(maxMessageBytes) bytes."
            )
        }
        guard available >= 5 + length else { return nil }
        let message = Array(buffer[(offset + 5)..<(offset + 5 + length)])
        offset += 5 + length
        if offset == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 16)
            offset = 0
        }
        return message
    }

    /// Whether bytes of an unfinished message remain (the stream ended mid-message).
    var hasPartialMessage: Bool { buffer.count > offset }
}

/// Writes the gRPC length prefix.
enum GRPCMessageFramer {
    /// `message` with its 5-byte prefix.
    static func frame(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 5)
        appendFrame(message, to: &out)
        return out
    }

    /// Appends `message` with its prefix to `buffer`.
    static func appendFrame(_ message: [UInt8], to buffer: inout [UInt8]) {
        let n = UInt32(message.count)
        buffer.append(0)
        buffer.append(UInt8(n >> 24))
        buffer.append(UInt8(n >> 16 & 255))
        buffer.append(UInt8(n >> 8 & 255))
        buffer.append(UInt8(n & 255))
        buffer.append(contentsOf: message)
    }
}
