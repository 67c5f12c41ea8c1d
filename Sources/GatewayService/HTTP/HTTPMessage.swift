/// An HTTP request method the gateway routes on.
public enum HTTPMethod: String, Sendable, Hashable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
    case head = "HEAD"
    case options = "OPTIONS"
}

/// The head of a request: what the server knows before the body arrives.
public struct HTTPRequestHead: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The path, percent-decoded by the HTTP library, without the query.
    public var path: String
    /// The query parameters, decoded; a name given twice keeps the last value.
    public var query: [String: String]
    /// The request headers the gateway reads, by lower-case name (see `HTTPServer.readHeaders`).
    public var headers: [String: String]
    /// "1.1" or "2".
    public var version: String
    /// The peer's address.
    public var peer: String

    /// Creates a request head.
    public init(
        method: HTTPMethod, path: String, query: [String: String] = [:], headers: [String: String] = [:],
        version: String = "1.1", peer: String = ""
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.version = version
        self.peer = peer
    }

    /// The value of a header, by lower-case name.
    public subscript(header name: String) -> String? { headers[name] }
}

/// A request with its body, buffered (up to the body limit) or streamed.
public struct HTTPRequest: Sendable {
    /// Method, path, query and headers.
    public var head: HTTPRequestHead
    /// The whole body, for buffered routes.
    public var body: [UInt8]
    /// The body as it arrives, for streamed routes (`HTTPHandler.streamsBody`).
    public var bodyStream: HTTPBodyStream?

    /// Creates a request.
    public init(head: HTTPRequestHead, body: [UInt8] = [], bodyStream: HTTPBodyStream? = nil) {
        self.head = head
        self.body = body
        self.bodyStream = bodyStream
    }
}

/// A response: status, headers and a body sent whole.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The `Content-Type`.
    public var contentType: String
    /// Further headers (name without the colon, value).
    public var headers: [(String, String)]
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, contentType: String = "application/json", headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// A response whose body is `text` in UTF-8.
    public init(status: Int, contentType: String = "application/json", headers: [(String, String)] = [], text: String) {
        self.init(status: status, contentType: contentType, headers: headers, body: Array(text.utf8))
    }

    /// The value of a header set on the response (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }
}
