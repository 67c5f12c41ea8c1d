public import Protos
public import RPCCore

/// `voiceshop.nlu.v1.NLU`: `Parse`.
///
/// Bad text (empty, over 1,000 characters) is INVALID_ARGUMENT with the reason; text that is
/// not valid UTF-8 is rejected as INVALID_ARGUMENT when the request is decoded. Text in another
/// language is not an error: it is INTENT_OUT_OF_SCOPE with low confidence.
public struct NLURPCService: NLUV1.NLU.ServiceProtocol {
    public let engine: NLUEngine

    public init(engine: NLUEngine) {
        self.engine = engine
    }

    public func parse(request: NLUV1.ParseRequest, context: ServerContext) async throws -> NLUV1.ParseResponse {
        do {
            return try engine.parse(request)
        } catch {
            throw RPCError(code: .invalidArgument, message: error.message, cause: error)
        }
    }
}
