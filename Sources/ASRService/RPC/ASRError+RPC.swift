internal import RPCCore

extension ASRError {
    /// The gRPC status of this error: bad audio and requests are INVALID_ARGUMENT, limits and a
    /// full pool RESOURCE_EXHAUSTED, a model still loading UNAVAILABLE, engine failures INTERNAL.
    var rpcError: RPCError {
        let status: StatusCode
        switch code {
        case .audioTooLong, .audioTooLarge, .busy: status = .resourceExhausted
        case .notReady: status = .unavailable
        case .engine: status = .internal
        default: status = .invalidArgument
        }
        return RPCError(code: status, message: message, cause: self)
    }
}
