import RPCCore

/// Echo services over raw bytes, so transport tests need no generated code.
struct RawEchoService: RegistrableRPCService {
    static let inline = MethodDescriptor(service: "test.Raw", method: "InlineEcho")
    static let pooled = MethodDescriptor(service: "test.Raw", method: "PooledEcho")
    static let serverStream = MethodDescriptor(service: "test.Raw", method: "Repeat", kind: .serverStreaming)
    static let bidi = MethodDescriptor(service: "test.Raw", method: "Bidi", kind: .bidiStreaming)
    static let fail = MethodDescriptor(service: "test.Raw", method: "Fail")

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
        router.registerUnary(Self.fail) { (request: RawMessage, _) -> RawMessage in
            throw RPCError(code: .notFound, message: String(decoding: request.bytes, as: UTF8.self))
        }
    }
}
