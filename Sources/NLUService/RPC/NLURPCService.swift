public import Protos
public import RPCCore

/// `voiceshop.nlu.v1.NLU`: `Parse`.
///
/// Bad text (empty, over 1,000 characters) is INVALID_ARGUMENT with the reason; text that is
/// not valid UTF-8 is rejected as INVALID_ARGUMENT when the request is decoded. Text in another
/// language is not an error: it is INTENT_OUT_OF_SCOPE with low confidence.
public struct NLURPCService: NLUV1.NLU.ServiceProtocol {
    public let engine: NLUEngine
    let metrics: NLUMetrics?

    public init(engine: NLUEngine, metrics: NLUMetrics? = nil) {
        self.engine = engine
        self.metrics = metrics
    }

    /// Parse runs in memory in tens of microseconds: it starts, and ends, on the event loop.
    public var methodsStartingOnLoop: [MethodDescriptor] { [NLUV1.NLU.Method.Parse.descriptor] }

    public func parse(request: NLUV1.ParseRequest, context: ServerContext) async throws -> NLUV1.ParseResponse {
        do {
            let response = try engine.parse(request)
            metrics?.parsed(
                intent: response.intent.protoName?.lowercased().replacing("intent_", with: "") ?? "unrecognized",
                lowConfidence: response.lowConfidence, corrections: response.corrections.count)
            return response
        } catch {
            throw RPCError(code: .invalidArgument, message: error.message, cause: error)
        }
    }
}
