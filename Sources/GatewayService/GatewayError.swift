public import JSON
internal import RPCCore

/// An error the gateway answers with: an HTTP status, a stable lower-case `code`, a message
/// for people, and optional details (for example the transcript when rec-svc is down).
///
/// It renders as `{"error": {"code", "message", "request_id", "details"?}}`, the one error
/// shape of the REST API.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// A stable machine-readable code, for example `invalid_argument` or `rate_limited`.
    public var code: String
    /// What went wrong, for people.
    public var message: String
    /// Extra facts: the transcript, the stage that failed, the field at fault.
    public var details: [String: JSONValue]
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    public var headers: [(String, String)]

    /// Creates an error.
    public init(status: Int, code: String, message: String, details: [String: JSONValue] = [:], headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// A 400 for a malformed request.
    public static func badRequest(_ message: String, field: String? = nil) -> GatewayError {
        GatewayError(status: 400, code: "invalid_argument", message: message, details: field.map { ["field": .string($0)] } ?? [:])
    }

    /// A 404.
    public static func notFound(_ message: String) -> GatewayError {
        GatewayError(status: 404, code: "not_found", message: message)
    }

    /// The error for a failed downstream call, mapped the standard way (INVALID_ARGUMENT→400,
    /// NOT_FOUND→404, PERMISSION_DENIED→403, UNAUTHENTICATED→401, RESOURCE_EXHAUSTED→429,
    /// DEADLINE_EXCEEDED→504, UNAVAILABLE→503, and so on).
    /// - Parameters:
    ///   - error: what the call threw.
    ///   - service: the downstream service ("asr-svc", "nlu-svc", "rec-svc").
    public static func downstream(_ error: any Error, service: String) -> GatewayError {
        guard let rpc = error as? RPCError else {
            if let gateway = error as? GatewayError { return gateway }
            if error is CancellationError {
                return GatewayError(status: 503, code: "cancelled", message: "\(service): the request was cancelled")
            }
            return GatewayError(status: 502, code: "bad_gateway", message: "\(service): \(error)")
        }
        var status = rpc.code.httpStatus
        // A downstream service's own failure is the gateway's bad gateway, not its own 500.
        if status == 500 || status == 501 { status = 502 }
        if rpc.code == .cancelled { status = 503 }
        let code =
            switch rpc.code {
            case .deadlineExceeded: "deadline_exceeded"
            case .unavailable: "unavailable"
            case .unimplemented: "unimplemented"
            default: status == 502 ? "bad_gateway" : rpc.code.name.lowercased()
            }
        var message = rpc.message.isEmpty ? rpc.code.name : rpc.message
        switch rpc.code {
        case .unavailable: message = "\(service) is unavailable: \(message)"
        case .deadlineExceeded: message = "\(service) did not answer within the deadline"
        case .unimplemented: message = "\(service) does not implement this yet: \(message)"
        default: break
        }
        var headers: [(String, String)] = []
        if status == 429 || status == 503 { headers.append(("Retry-After", "1")) }
        return GatewayError(status: status, code: code, message: message, details: ["service": .string(service)], headers: headers)
    }

    /// The error as the REST API's JSON shape.
    public func json(requestID: String) -> JSONValue {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message), "request_id": .string(requestID)]
        if !details.isEmpty { error["details"] = .object(details) }
        return ["error": .object(error)]
    }
}
