/// Small vector kernels over raw float buffers. The loops are written so the compiler
/// vectorises them (eight lanes at a time with independent accumulators).
public enum VectorMath {
    /// The dot product of `count` floats at `a` and `b` (AVX2+FMA when the CPU has them:
    /// Sources/CVectorKernels).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        voiceshop_dot_f32(a, b, count)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in dot(x.baseAddress!, y.baseAddress!, a.count) } }
    }

    /// `vector` scaled to unit length (unchanged when it is zero).
    static func normalized(_ vector: [Float]) -> [Float] {
        let norm = dot(vector, vector).squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    /// The logistic function.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + expf(-x)) : expf(x) / (1 + expf(x))
    }

    /// Little-endian float32 bytes (the bytea encoding of 0004_vectors_models.sql).
    static func bytes(_ vector: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        return bytes
    }

    /// The (product_id, vector) rows of a query, decoded; rows whose vector is malformed or of
    /// another size are left out.
    static func itemVectors(_ rows: PostgresRows, dimensions: Int) -> [(id: Int64, vector: [Float])] {
        rows.compactMap { row in
            guard let id = Int64(row["product_id"] ?? ""), let vector = row["vector"].flatMap(floats(byteaHex:)),
                vector.count == dimensions
            else { return nil }
            return (id, vector)
        }
    }

    /// PostgreSQL's text form of a bytea (`\x0a1b…`) of little-endian float32s, for COPY
    /// (`floats(byteaHex:)` decodes it).
    static func byteaHex(_ vector: [Float]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        for byte in bytes(vector) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes PostgreSQL's text form of a bytea (`\x0a1b…`) holding little-endian float32s.
    public static func floats(byteaHex text: String) -> [Float]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), (utf8.count - 2) % 8 == 0 else {
            return nil
        }
        func nibble(_ c: UInt8) -> UInt32? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c - UInt8(ascii: "A") + 10)
            default: nil
            }
        }
        var result: [Float] = []
        result.reserveCapacity((utf8.count - 2) / 8)
        var index = 2
        while index < utf8.count {
            var bits: UInt32 = 0
            for byte in 0..<4 {
                guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
                bits |= (high << 4 | low) << (8 * UInt32(byte))
                index += 2
            }
            result.append(Float(bitPattern: bits))
        }
        return result
    }
}

internal import CVectorKernels
internal import Postgres
internal import Glibc
