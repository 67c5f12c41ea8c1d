import RPCCore
import Synchronization

/// Counts handler outcomes the tests assert on.
final class HandlerCounters: Sendable {
    let cancelled = Atomic<Int>(0)
    let started = Atomic<Int>(0)
    let written = Atomic<Int>(0)
}

/// Echo services over raw bytes, so transport tests need no generated code.
struct RawEchoService: RegistrableRPCService {
    static let inline = MethodDescriptor(service: "test.Raw", method: "InlineEcho")
    static let pooled = MethodDescriptor(service: "test.Raw", method: "PooledEcho")
    static let serverStream = MethodDescriptor(service: "test.Raw", method: "Repeat", kind: .serverStreaming)
    static let bidi = MethodDescriptor(service: "test.Raw", method: "Bidi", kind: .bidiStreaming)
    static let fail = MethodDescriptor(service: "test.Raw", method: "Fail")
    /// Sleeps bytes[0] × 10 ms (or, with two bytes, their big-endian value in ms), then answers
    /// with the remaining deadline in ms (4 bytes).
    static let sleep = MethodDescriptor(service: "test.Raw", method: "Sleep")
    /// Streams one byte every 10 ms, bytes[0] times.
    static let slowStream = MethodDescriptor(service: "test.Raw", method: "SlowStream", kind: .serverStreaming)

    /// Streams bytes[0] messages of 64 KiB as fast as flow control lets it, counting writes.
    static let flood = MethodDescriptor(service: "test.Raw", method: "Flood", kind: .serverStreaming)

    let counters = HandlerCounters()

    func registerMethods(with router: inout RPCRouter) {
        router.registerInline(Self.inline) { (request: RawMessage, _) in request }
        router.registerUnary(Self.pooled) { (request: RawMessage, _) in request }
        router.registerServerStreaming(Self.serverStream) { (request: RawMessage, writer: RPCWriter<RawMessage>, _) in
            let count = Int(request.bytes.first ?? 0)
            for index in 0..<count { try await writer.write(RawMessage([UInt8(index)])) }
        }
        router.registerBidiStreaming(Self.bidi) { (requests: RPCMessageStream<RawMessage>, writer: RPCWriter<RawMessage>, _) in
            for try await request in requests { try await writer.write(request) }
        }
        let counters = self.counters
        router.registerUnary(Self.sleep) { (request: RawMessage, context) -> RawMessage in
            counters.started.add(1, ordering: .relaxed)
            do {
                let bytes = request.bytes
                let milliseconds = bytes.count >= 2 ? Int(bytes[0]) << 8 | Int(bytes[1]) : 10 * Int(bytes.first ?? 0)
                try await Task.sleep(for: .milliseconds(milliseconds))
            } catch {
                counters.cancelled.add(1, ordering: .relaxed)
                throw error
            }
            let remaining = context.remainingTime.map { Int32(clamping: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1
            return RawMessage(withUnsafeBytes(of: remaining.bigEndian) { Array($0) })
        }
        router.registerServerStreaming(Self.slowStream) { (request: RawMessage, writer: RPCWriter<RawMessage>, _) in
            counters.started.add(1, ordering: .relaxed)
            do {
                for index in 0..<Int(request.bytes.first ?? 0) {
                    try await Task.sleep(for: .milliseconds(10))
                    try await writer.write(RawMessage([UInt8(index % 256)]))
                }
            } catch {
                counters.cancelled.add(1, ordering: .relaxed)
                throw error
            }
        }
        router.registerServerStreaming(Self.flood) { (request: RawMessage, writer: RPCWriter<RawMessage>, _) in
            let chunk = RawMessage([UInt8](repeating: 0x5A, count: 64 << 10))
            for _ in 0..<Int(request.bytes.first ?? 0) {
                try await writer.write(chunk)
                counters.written.add(1, ordering: .relaxed)
            }
        }
        router.registerUnary(Self.fail) { (request: RawMessage, _) -> RawMessage in
            throw RPCError(code: .notFound, message: String(decoding: request.bytes, as: UTF8.self))
        }
    }
}
