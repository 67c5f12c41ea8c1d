internal import JSON
internal import Protos
internal import RPCCore
public import ServiceRuntime

/// The REST gateway: routes, authorisation, rate limits, the voice-search chain, shopping
/// and admin calls, operations endpoints and the web page. The HTTP server calls it
/// (`HTTPHandler`); tests call `serve(_:)` in process.
public final class Gateway: HTTPHandler, Sendable {
    let configuration: GatewayConfiguration
    let downstreams: Downstreams
    let keys: APIKeyStore
    let sessions: SessionStore
    public let metrics: GatewayMetrics
    let assets: StaticAssets
    let logger: Logger
    let orchestrator: SearchOrchestrator
    /// Hashes user ids for the log.
    let privacy: LogPrivacy
    /// The HTTP server's counters, once it runs (for /metrics).
    let serverStatistics: @Sendable () -> HTTPServerStatistics?

    /// Creates the gateway.
    /// - Parameter registry: the process's metrics (the gRPC server's are in it too); `/metrics` serves it.
    public init(
        configuration: GatewayConfiguration, downstreams: Downstreams, assets: StaticAssets, logger: Logger,
        registry: MetricsRegistry = MetricsRegistry(),
        serverStatistics: @escaping @Sendable () -> HTTPServerStatistics? = { nil }
    ) {
        self.configuration = configuration
        self.downstreams = downstreams
        keys = APIKeyStore(keys: configuration.apiKeys)
        let sessions = SessionStore(ttl: configuration.sessionTTL, capacity: configuration.maxSessions)
        self.sessions = sessions
        metrics = GatewayMetrics(registry: registry)
        registry.collect("gateway_sessions", help: "Sessions held in memory.") { Double(sessions.count) }
        registry.collect("gateway_http_open_connections", help: "HTTP connections open.") {
            Double(serverStatistics()?.openConnections ?? 0)
        }
        registry.collect("gateway_http_in_flight", help: "HTTP requests being handled.") { Double(serverStatistics()?.inFlight ?? 0) }
        self.assets = assets
        self.logger = logger
        privacy = LogPrivacy(key: configuration.logHashKey.map { Array($0.utf8) })
        orchestrator = SearchOrchestrator(downstreams: downstreams, sessions: sessions, metrics: metrics)
        self.serverStatistics = serverStatistics
    }

    // MARK: HTTPHandler

    /// Sends the voice funnel's queued utterances before the process exits (at most 5 s).
    public func serverStopped() async {
        let left = orchestrator.recorder.pendingCount
        if await orchestrator.recorder.flush(within: .seconds(5)) { return }
        logger.warning("funnel utterances not sent at shutdown", ["queued": left, "left": orchestrator.recorder.pendingCount])
    }

    public func respondInline(to head: HTTPRequestHead) -> HTTPResponse? {
        let start = ContinuousClock.now
        let match = Route.match(head.method, head.path)
        var response: HTTPResponse
        let label: String
        switch match {
        case .none:
            label = "unmatched"
            response = errorResponse(GatewayError(status: 404, code: "not_found", message: "no route for \(head.path)"), head: head)
        case .wrongMethod(let allowed, let routeLabel):
            label = routeLabel
            response = errorResponse(
                GatewayError(
                    status: 405, code: "method_not_allowed", message: "\(head.method.rawValue) is not allowed on \(head.path)",
                    headers: [("Allow", allowed.map(\.rawValue).joined(separator: ", "))]), head: head)
        case .route(let route, let routeLabel):
            label = routeLabel
            if let refusal = authorize(route, head) {
                response = errorResponse(refusal, head: head)
            } else if let inline = inlineResponse(route, head) {
                response = inline
            } else {
                return nil
            }
        }
        if head.method == .head { response.body = [] }
        record(label, head, response.status, start)
        return response
    }

    public func streamsBody(_ head: HTTPRequestHead) -> Bool {
        if case .route(.adminImport, _) = Route.match(head.method, head.path) { return true }
        return false
    }

    public func bodyLimit(_ head: HTTPRequestHead) -> Int {
        if case .route(.adminImport, _) = Route.match(head.method, head.path) { return configuration.maxImportBytes }
        return configuration.maxBodyBytes
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let start = ContinuousClock.now
        let head = request.head
        guard case .route(let route, let label) = Route.match(head.method, head.path) else {
            return respondInline(to: head) ?? errorResponse(GatewayError.notFound("no route for \(head.path)"), head: head)
        }
        let budget = route == .voiceSearch ? configuration.voiceDeadline : configuration.requestDeadline
        let context = RequestContext.from(headers: head.headers, budget: budget)
        var response: HTTPResponse
        do {
            response = try await respond(route, request, context)
        } catch {
            response = errorResponse(error, requestID: context.requestID)
            if error.status >= 500 {
                logger.warning(
                    "request failed",
                    ["route": label, "status": error.status, "code": error.code, "error": error.message, "request_id": context.requestID])
            }
        }
        response.headers.append(("X-Request-Id", context.requestID))
        if head.method == .head { response.body = [] }
        record(label, head, response.status, start)
        logRequest(label, head.method.rawValue, response.status, start, context, userHeader: head.headers["x-user-id"])
        return response
    }

    /// Logs one line per request, the root span of its trace: route (never the raw path,
    /// which may hold ids), status, duration, request and trace ids, and the user as a keyed
    /// hash. What was said or typed is logged only at debug level.
    func logRequest(
        _ route: String, _ method: String, _ status: Int, _ start: ContinuousClock.Instant, _ context: RequestContext, userHeader: String? = nil
    ) {
        let level: Logger.Level = status >= 500 ? .warning : .info
        guard level >= logger.minimumLevel else { return }
        let elapsed = ContinuousClock.now - start
        var fields: [String: any Sendable] = [
            "route": route, "method": method, "status": status,
            "duration_ms": Double(elapsed / .microseconds(1)) / 1000,
            "request_id": context.requestID, "trace_id": context.trace.traceID, "span_id": context.trace.spanID,
        ]
        if let parent = context.trace.parentSpanID { fields["parent_span_id"] = parent }
        let user = context.notes.userID.isEmpty ? (userHeader ?? "") : context.notes.userID
        if !user.isEmpty { fields["user"] = privacy.userHash(user) }
        if logger.minimumLevel == .debug {
            for (key, value) in context.notes.texts { fields[key] = value }
        }
        logger.log(level, "http", fields)
    }

    public func acceptsWebSocket(_ head: HTTPRequestHead) -> Bool {
        head.path == "/v1/voice-stream"
    }

    public func serverError(status: Int, code: String, message: String, head: HTTPRequestHead?) -> HTTPResponse {
        let response = errorResponse(GatewayError(status: status, code: code, message: message), head: head)
        if let head {
            let label: String
            if case .route(_, let routeLabel) = Route.match(head.method, head.path) { label = routeLabel } else { label = "unmatched" }
            metrics.request(route: label, method: head.method.rawValue, status: status, seconds: 0)
        }
        return response
    }

    /// Serves a request in process the way the HTTP server does: inline first, then `handle`.
    public func serve(_ request: HTTPRequest) async -> HTTPResponse {
        if let response = respondInline(to: request.head) { return response }
        return await handle(request)
    }

    // MARK: Authorisation

    /// The refusal for a request, or `nil` when it may go on (taking a rate-limit token).
    func authorize(_ route: Route, _ head: HTTPRequestHead) -> GatewayError? {
        switch route.access {
        case .open: return nil
        case .admin:
            let bearer = bearerToken(head)
            if let token = configuration.adminToken, let bearer, constantTimeEquals(bearer, token) { return nil }
            if let given = head.headers["x-api-key"] ?? bearer, keys.key(given) != nil {
                return GatewayError(status: 403, code: "permission_denied", message: "admin routes need the admin token; an API key is not enough")
            }
            return GatewayError(
                status: 401, code: "unauthenticated",
                message: configuration.adminToken == nil
                    ? "admin routes are disabled: the gateway has no admin token configured"
                    : "admin routes need 'Authorization: Bearer <admin token>'",
                headers: [("WWW-Authenticate", "Bearer realm=\"voiceshop-admin\"")])
        case .client:
            // Browsers cannot set headers on a WebSocket: the voice stream also takes ?api_key=.
            // `Authorization: Bearer <key>` works too (HTTP/2 clients: libwebsockets 4.1 drops
            // headers it does not know, such as X-API-Key, on HTTP/2).
            let given = head.headers["x-api-key"] ?? bearerToken(head) ?? (route == .voiceStream ? head.query["api_key"] : nil)
            guard let given, !given.isEmpty else {
                return GatewayError(
                    status: 401, code: "unauthenticated", message: "missing API key: send it in the X-API-Key header",
                    headers: [("WWW-Authenticate", "ApiKey header=\"X-API-Key\"")])
            }
            guard let key = keys.key(given) else {
                return GatewayError(
                    status: 401, code: "unauthenticated", message: "the API key is not valid",
                    headers: [("WWW-Authenticate", "ApiKey header=\"X-API-Key\"")])
            }
            if let wait = keys.take(key) {
                metrics.rateLimited(key: key.name)
                let seconds = max(1, Int(wait.rounded(.up)))
                return GatewayError(
                    status: 429, code: "rate_limited",
                    message: "rate limit of \(JSONMapping.spokenNumber(key.rate)) requests per second exceeded; retry in \(seconds) s",
                    details: ["retry_after_seconds": JSONValue(seconds)], headers: [("Retry-After", String(seconds))])
            }
            return nil
        }
    }

    private func bearerToken(_ head: HTTPRequestHead) -> String? {
        guard let authorization = head.headers["authorization"] else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingSpaces
    }

    // MARK: Inline routes

    private func inlineResponse(_ route: Route, _ head: HTTPRequestHead) -> HTTPResponse? {
        switch route {
        case .healthz:
            return HTTPResponse(status: 200, headers: [("Cache-Control", "no-store")], text: "{\"status\":\"ok\"}")
        case .metrics:
            return HTTPResponse(status: 200, contentType: MetricsRegistry.contentType, text: metrics.render())
        case .openAPI:
            return HTTPResponse(status: 200, headers: [("Cache-Control", "no-cache")], body: assets.openAPI)
        case .index:
            return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", headers: [("Cache-Control", "no-cache")], body: assets.index)
        case .asset(let name):
            guard let file = assets.files[name] else { return errorResponse(GatewayError.notFound("no file \(name)"), head: head) }
            return HTTPResponse(status: 200, contentType: file.contentType, headers: [("Cache-Control", "no-cache")], body: file.body)
        default:
            return nil
        }
    }

    // MARK: Routes

    private func respond(_ route: Route, _ request: HTTPRequest, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        let query = QueryParameters(values: request.head.query)
        switch route {
        case .readyz: return await readiness()
        case .search: return try await textSearch(request, context)
        case .voiceSearch: return try await voiceSearch(request, context)
        case .voiceStream:
            throw GatewayError(status: 400, code: "websocket_required", message: "/v1/voice-stream is a WebSocket: connect with an Upgrade request")
        case .product(let id): return try await product(id, context)
        case .reviews(let id): return try await reviews(id, query, context)
        case .similar(let id): return try await similar(id, query, context)
        case .recommendations(let user): return try await recommendations(user, query, context)
        case .forgetUser(let user): return try await forget(user, query, context)
        case .events: return try await event(request, context)
        case .cart(let user): return try await cart(user, context)
        case .addCartItem(let user): return try await addCartItem(user, request, context)
        case .removeCartItem(let user, let product): return try await removeCartItem(user, product, query, context)
        case .checkout(let user): return try await checkout(user, request, context)
        case .orders(let user): return try await orders(user, query, context)
        case .order(let user, let orderID): return try await order(user, orderID, context)
        case .returns(let user, let order): return try await requestReturn(user, order, request, context)
        case .adminCreateProduct: return try await createProduct(request, context)
        case .adminPatchProduct(let id): return try await patchProduct(id, request, context)
        case .adminDeleteProduct(let id): return try await deleteProduct(id, query, context)
        case .adminImport: return try await importProducts(request, context)
        case .adminReindex: return try await reindex(query, context)
        case .adminStats: return try await stats(context)
        case .index, .asset, .healthz, .metrics, .openAPI:
            return inlineResponse(route, request.head) ?? errorResponse(GatewayError.notFound("not found"), head: request.head)
        }
    }

    /// 200 with every downstream service SERVING; otherwise 503 naming the ones that are not.
    private func readiness() async -> HTTPResponse {
        let results = await withTaskGroup(of: (String, String).self) { group in
            for (name, client) in downstreams.health {
                group.addTask {
                    do {
                        let reply = try await client.check(HealthV1.HealthCheckRequest(), options: CallOptions(timeout: .seconds(1), retryable: false))
                        return (name, reply.status.protoName ?? "UNKNOWN")
                    } catch let error as RPCError {
                        return (name, error.code.name)
                    } catch {
                        return (name, "UNAVAILABLE")
                    }
                }
            }
            var out: [String: String] = [:]
            for await (name, status) in group { out[name] = status }
            return out
        }
        let services = JSONValue.object(results.mapValues { .string($0) })
        if results.values.allSatisfy({ $0 == "SERVING" }) {
            return json(200, ["status": "ready", "services": services])
        }
        let waiting = results.filter { $0.value != "SERVING" }.keys.sorted()
        return errorResponse(
            GatewayError(
                status: 503, code: "not_ready", message: "not serving: \(waiting.joined(separator: ", "))", details: ["services": services]),
            requestID: RequestID.generate())
    }

    // MARK: Rendering

    func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, text: value.serialized())
    }

    func errorResponse(_ error: GatewayError, requestID: String) -> HTTPResponse {
        var headers = error.headers
        headers.append(("Cache-Control", "no-store"))
        return HTTPResponse(status: error.status, headers: headers, text: error.json(requestID: requestID).serialized())
    }

    func errorResponse(_ error: GatewayError, head: HTTPRequestHead?) -> HTTPResponse {
        let context = RequestContext.from(headers: head?.headers ?? [:], budget: .zero)
        var response = errorResponse(error, requestID: context.requestID)
        response.headers.append(("X-Request-Id", context.requestID))
        return response
    }

    private func record(_ label: String, _ head: HTTPRequestHead, _ status: Int, _ start: ContinuousClock.Instant) {
        let seconds = Double((ContinuousClock.now - start) / .nanoseconds(1)) / 1e9
        metrics.request(route: label, method: head.method.rawValue, status: status, seconds: seconds)
    }

    /// The user a request acts for: `X-User-Id`, else the body's `user_id`.
    func user(_ head: HTTPRequestHead, body: String? = nil) throws(GatewayError) -> String {
        let user = head.headers["x-user-id"] ?? body ?? ""
        guard user.count <= 128 else { throw GatewayError.badRequest("the user id is longer than 128 characters", field: "user_id") }
        return user
    }

    /// The conversation a request belongs to: `X-Session-Id`, else the body's, else a new one.
    func session(_ head: HTTPRequestHead, body: String? = nil) throws(GatewayError) -> String {
        let given = head.headers["x-session-id"] ?? body ?? ""
        guard given.count <= 128 else { throw GatewayError.badRequest("the session id is longer than 128 characters", field: "session_id") }
        return given.isEmpty ? "s-" + String(RequestID.generate().suffix(20)) : given
    }

    /// Runs a downstream call, mapping its failure to the REST error.
    func call<T: Sendable>(_ service: String, _ body: () async throws -> T) async throws(GatewayError) -> T {
        do {
            return try await body()
        } catch {
            let mapped = GatewayError.downstream(error, service: service)
            metrics.downstreamError(service: service, code: mapped.code)
            throw mapped
        }
    }
}
