internal import CWebSockets
internal import Glibc
public import ServiceRuntime
internal import Synchronization

/// The gateway's HTTP server on libwebsockets: HTTP/1.1 with keep-alive, HTTP/2 cleartext
/// (h2c with prior knowledge) and WebSocket, all on one port.
///
/// One thread runs the libwebsockets service loop (Debian builds the library with one
/// service thread); it parses requests, answers inline routes at once, and hands the others
/// to tasks, whose responses come back through a mailbox and `lws_cancel_service`.
///
/// ## Shutdown
/// Cancelling `run()` starts a graceful shutdown: new requests get 503 `shutting_down`, the
/// ones in flight get up to `shutdownGracePeriod` to finish, then the loop stops, the
/// listening socket closes, and the handler's `serverStopped()` finishes its own work.
public final class HTTPServer: Service, Sendable {
    private let core: HTTPServerCore
    /// The port the server listens on (the real one when 0 was configured).
    public let port: Int

    /// Binds the listening socket. Call `run()` to serve.
    /// - Throws: `GatewayError` when the address cannot be bound.
    public init(configuration: HTTPServerConfiguration, handler: any HTTPHandler, logger: Logger) throws {
        core = try HTTPServerCore(configuration: configuration, handler: handler, logger: logger)
        port = core.port
        priorKnowledgePort = core.priorKnowledgePort
    }

    /// The port of the HTTP/2-with-prior-knowledge listener, when configured.
    public let priorKnowledgePort: Int?

    /// Counters of the server, for /metrics.
    public var statistics: HTTPServerStatistics { core.statistics() }

    /// Serves until cancelled, then shuts down gracefully.
    public func run() async throws {
        core.startLoop()
        var fields: [String: any Sendable] = ["http_listening": "\(core.configuration.host):\(port)"]
        if let h2c = core.configuration.priorKnowledgeAddress, let h2cPort = core.priorKnowledgePort {
            fields["h2c_listening"] = "\(h2c.host):\(h2cPort)"
        }
        core.logger.info("http listening", fields)
        // Requests run in a task of their own, not a child of this one: cancelling `run()`
        // means "shut down gracefully", and the requests in flight must still finish then.
        let dispatcher = Task { await core.dispatch() }
        await withTaskCancellationHandler {
            await core.stopped.wait()
        } onCancel: {
            core.beginShutdown()
        }
        await dispatcher.value
        await core.loopExited.wait()
        await core.handler.serverStopped()
    }
}

/// What the server counts.
public struct HTTPServerStatistics: Sendable {
    /// Connections open now.
    public var openConnections: Int
    /// Requests being handled now.
    public var inFlight: Int
}

/// A libwebsockets handle; `@unchecked Sendable` because it is only dereferenced on the
/// loop thread (the one exception, `lws_cancel_service`, is thread-safe).
struct LWSContextHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The server's state. `@unchecked Sendable`: the `exchanges`, `byWSI`, `pendingUpgrades`
/// and `connections` tables are touched only on the loop thread (inside libwebsockets
/// callbacks); everything other threads touch is behind `mailbox`'s Mutex or atomic.
final class HTTPServerCore: @unchecked Sendable {
    enum Work: Sendable {
        case request(UInt64, HTTPRequest)
        case webSocket(WebSocketConnection)
    }

    /// One request on the loop thread (or one WebSocket connection).
    final class Exchange {
        let id: UInt64
        let wsi: OpaquePointer
        var head: HTTPRequestHead
        var body: [UInt8] = []
        var bodyLimit = 0
        var tooLarge = false
        var stream: HTTPBodyStream?
        var dispatched = false
        var response: HTTPResponse?
        var headersSent = false
        var offset = 0
        var closeAfterResponse = false
        var webSocket: WebSocketConnection?
        var fragments: [UInt8] = []
        var fragmentsTooLarge = false
        var outbox: [WebSocketOutbound] = []
        var paused = false
        var completions = 0

        init(id: UInt64, wsi: OpaquePointer, head: HTTPRequestHead) {
            self.id = id
            self.wsi = wsi
            self.head = head
        }
    }

    struct Mailbox {
        var responses: [(UInt64, HTTPResponse)] = []
        var frames: [(UInt64, WebSocketOutbound)] = []
        var resume: [UInt64] = []
    }

    let configuration: HTTPServerConfiguration
    let handler: any HTTPHandler
    let logger: Logger
    private(set) var port = 0
    private(set) var priorKnowledgePort: Int?
    private var context: LWSContextHandle?
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let protocolName: UnsafeMutablePointer<CChar>
    private let customHeaderNames: [(name: String, token: [CChar])]

    // Loop-thread state.
    private var exchanges: [UInt64: Exchange] = [:]
    private var byWSI: [UInt: Exchange] = [:]
    private var pendingUpgrades: [UInt: HTTPRequestHead] = [:]
    private var connections = Set<UInt>()

    // Shared state.
    private let mailbox = Mutex(Mailbox())
    private let nextID = Atomic<UInt64>(1)
    private let inFlight = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)
    private let shuttingDown = Atomic<Bool>(false)
    private let stopLoop = Atomic<Bool>(false)
    private let work: AsyncStream<Work>
    private let workContinuation: AsyncStream<Work>.Continuation
    let stopped = ShutdownSignal()
    let loopExited = ShutdownSignal()

    init(configuration: HTTPServerConfiguration, handler: any HTTPHandler, logger: Logger) throws {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        (work, workContinuation) = AsyncStream.makeStream(of: Work.self, bufferingPolicy: .unbounded)
        customHeaderNames = configuration.customHeaders.map { ($0, Array(($0 + ":").utf8CString)) }
        protocolName = strdup("voiceshop-gateway")
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = UnsafePointer(protocolName)
        protocols[0].callback = gatewayLWSCallback
        protocols[0].per_session_data_size = 0
        protocols[0].rx_buffer_size = 65536
        HTTPServerCore.installLogging(logger)

        var info = lws_context_creation_info()
        info.options = CWebSockets_context_options()
        info.max_http_header_data = UInt16(clamping: configuration.maxHeaderBytes)
        info.max_http_header_pool = UInt16(clamping: min(configuration.maxConnections + 16, 4096))
        info.fd_limit_per_thread = UInt32(configuration.maxConnections + 64)
        info.timeout_secs = UInt32(configuration.idleTimeoutSeconds)
        info.keepalive_timeout = Int32(configuration.idleTimeoutSeconds)
        info.pt_serv_buf_size = 65536
        info.user = Unmanaged.passUnretained(self).toOpaque()
        guard let created = lws_create_context(&info) else {
            throw GatewayError(status: 500, code: "http_init_failed", message: "libwebsockets could not create its context")
        }
        context = LWSContextHandle(pointer: created)
        func listen(_ name: String, host: String, port: Int, priorKnowledge: Bool) throws -> Int {
            var vhost = lws_context_creation_info()
            vhost.port = Int32(port)
            vhost.protocols = UnsafePointer(protocols)
            vhost.options = CWebSockets_vhost_options(priorKnowledge ? 1 : 0)
            vhost.keepalive_timeout = Int32(configuration.idleTimeoutSeconds)
            vhost.timeout_secs = UInt32(configuration.idleTimeoutSeconds)
            let created = name.withCString { vhostName in
                let iface = host == "0.0.0.0" || host.isEmpty ? nil : strdup(host)
                defer { free(iface) }
                vhost.vhost_name = vhostName
                vhost.iface = UnsafePointer(iface)
                return lws_create_vhost(context!.pointer, &vhost)
            }
            guard let created else {
                throw GatewayError(status: 500, code: "bind_failed", message: "cannot listen for HTTP on \(host):\(port) (in use, or not an address here)")
            }
            let bound = Int(lws_get_vhost_listen_port(created))
            return bound == 0 ? port : bound
        }
        do {
            port = try listen("http", host: configuration.host, port: configuration.port, priorKnowledge: false)
            if let h2c = configuration.priorKnowledgeAddress {
                priorKnowledgePort = try listen("h2c", host: h2c.host, port: h2c.port, priorKnowledge: true)
            }
        } catch {
            lws_context_destroy(created)
            context = nil
            throw error
        }
    }

    deinit {
        protocols.deallocate()
        free(protocolName)
    }

    func statistics() -> HTTPServerStatistics {
        HTTPServerStatistics(openConnections: openConnections.load(ordering: .relaxed), inFlight: inFlight.load(ordering: .relaxed))
    }

    // MARK: Threads

    func startLoop() {
        guard let context else { return }
        let body: @Sendable () -> Void = { [self] in
            while !stopLoop.load(ordering: .acquiring) {
                if lws_service(context.pointer, 0) < 0 { break }
            }
            lws_context_destroy(context.pointer)
            loopExited.trigger()
        }
        OSThread.detach(name: "http-loop", body)
    }

    /// Runs the requests handed over by the loop, each in a child task.
    func dispatch() async {
        await withDiscardingTaskGroup { group in
            for await item in work {
                group.addTask { [self] in
                    switch item {
                    case .request(let id, let request):
                        let response = await handler.handle(request)
                        complete(id, response)
                    case .webSocket(let connection):
                        await handler.handle(webSocket: connection)
                        connection.close()
                        finishRequest()
                    }
                }
            }
        }
    }

    func beginShutdown() {
        guard !shuttingDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        logger.info("http shutting down", ["in_flight": inFlight.load(ordering: .relaxed)])
        let grace = configuration.shutdownGracePeriod
        let signal = stopped
        // Polls for the requests in flight to end, up to the grace period, on a thread of its
        // own (this runs from a cancellation handler).
        let body: @Sendable () -> Void = { [self] in
            let deadline = ContinuousClock.now + grace
            while inFlight.load(ordering: .acquiring) > 0 && ContinuousClock.now < deadline { usleep(10_000) }
            workContinuation.finish()
            stopLoop.store(true, ordering: .releasing)
            if let context { lws_cancel_service(context.pointer) }
            signal.trigger()
        }
        OSThread.detach(name: "http-drain", body)
    }

    private func finishRequest() { inFlight.subtract(1, ordering: .releasing) }

    /// Hands a response to the loop (from any thread).
    func complete(_ id: UInt64, _ response: HTTPResponse) {
        mailbox.withLock { $0.responses.append((id, response)) }
        finishRequest()
        wake()
    }

    fileprivate func post(_ id: UInt64, _ frame: WebSocketOutbound) {
        mailbox.withLock { $0.frames.append((id, frame)) }
        wake()
    }

    fileprivate func resumeReading(_ id: UInt64) {
        mailbox.withLock { $0.resume.append(id) }
        wake()
    }

    private func wake() {
        if let context { lws_cancel_service(context.pointer) }
    }

    // MARK: Loop thread: libwebsockets callbacks

    func callback(_ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ input: UnsafeMutableRawPointer?, _ length: Int) -> Int32 {
        switch reason {
        case LWS_CALLBACK_HTTP:
            return onRequest(wsi)
        case LWS_CALLBACK_HTTP_BODY:
            guard let exchange = byWSI[UInt(bitPattern: wsi)], let input else { return 0 }
            return onBody(exchange, UnsafeRawBufferPointer(start: input, count: length))
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
            guard let exchange = byWSI[UInt(bitPattern: wsi)] else { return 0 }
            return onBodyComplete(exchange)
        case LWS_CALLBACK_HTTP_WRITEABLE:
            guard let exchange = byWSI[UInt(bitPattern: wsi)] else { return 0 }
            return writeResponse(exchange)
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            drainMailbox()
            return 0
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            let head = readHead(wsi, method: .get, path: readHeader(wsi, WSI_TOKEN_GET_URI) ?? "")
            guard !shuttingDown.load(ordering: .relaxed), handler.acceptsWebSocket(head) else { return 1 }
            pendingUpgrades[UInt(bitPattern: wsi)] = head
            return 0
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
            // libwebsockets does not carry a request body across an h2c upgrade; such a request
            // would never be answered, so it is refused with a clear error instead.
            guard let input, String(cString: input.assumingMemoryBound(to: CChar.self)) == "h2c" else { return 0 }
            let length = readHeader(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH).flatMap { Int($0) } ?? 0
            guard length > 0 || readHeader(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) != nil else { return 0 }
            let head = readHead(wsi, method: .post, path: readHeader(wsi, WSI_TOKEN_POST_URI) ?? "/")
            let exchange = Exchange(id: nextID.add(1, ordering: .relaxed).oldValue, wsi: wsi, head: head)
            exchange.closeAfterResponse = true
            byWSI[UInt(bitPattern: wsi)] = exchange
            exchanges[exchange.id] = exchange
            _ = respond(
                exchange,
                handler.serverError(
                    status: 400, code: "h2c_upgrade_with_body",
                    message: "an h2c upgrade cannot carry a request body here: send it over HTTP/1.1, or over HTTP/2 with prior knowledge on the h2c port",
                    head: head))
            return 1
        case LWS_CALLBACK_ESTABLISHED:
            return onWebSocketOpen(wsi)
        case LWS_CALLBACK_RECEIVE:
            guard let exchange = byWSI[UInt(bitPattern: wsi)], let input else { return 0 }
            return onWebSocketData(exchange, UnsafeRawBufferPointer(start: input, count: length))
        case LWS_CALLBACK_SERVER_WRITEABLE:
            guard let exchange = byWSI[UInt(bitPattern: wsi)] else { return 0 }
            return writeWebSocket(exchange)
        case LWS_CALLBACK_CLOSED:
            if let exchange = byWSI.removeValue(forKey: UInt(bitPattern: wsi)) { forget(exchange) }
            return 0
        case LWS_CALLBACK_WSI_DESTROY, LWS_CALLBACK_CLOSED_HTTP:
            let key = UInt(bitPattern: wsi)
            pendingUpgrades[key] = nil
            if let exchange = byWSI.removeValue(forKey: key) { forget(exchange) }
            if connections.remove(key) != nil { openConnections.subtract(1, ordering: .relaxed) }
            return 0
        default:
            return 0
        }
    }

    private func forget(_ exchange: Exchange) {
        exchanges[exchange.id] = nil
        exchange.stream?.finish(throwing: GatewayError(status: 400, code: "client_closed", message: "the client closed the connection"))
        exchange.webSocket?.inbound.finish()
        exchange.webSocket = nil
    }

    private func track(_ wsi: OpaquePointer) -> Bool {
        let network = lws_get_network_wsi(wsi) ?? wsi
        let key = UInt(bitPattern: network)
        if connections.insert(key).inserted { openConnections.add(1, ordering: .relaxed) }
        return connections.count <= configuration.maxConnections
    }

    private func onRequest(_ wsi: OpaquePointer) -> Int32 {
        var uri: UnsafeMutablePointer<CChar>?
        var uriLength: Int32 = 0
        let methodIndex = lws_http_get_uri_and_method(wsi, &uri, &uriLength)
        let path = uri.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(uriLength)), as: UTF8.self) } ?? "/"
        let method: HTTPMethod? =
            switch Int(methodIndex) {
            case Int(LWSHUMETH_GET): .get
            case Int(LWSHUMETH_POST): .post
            case Int(LWSHUMETH_PUT): .put
            case Int(LWSHUMETH_PATCH): .patch
            case Int(LWSHUMETH_DELETE): .delete
            case Int(LWSHUMETH_HEAD): .head
            case Int(LWSHUMETH_OPTIONS): .options
            default: nil
            }
        let head = readHead(wsi, method: method ?? .get, path: path)
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let exchange = Exchange(id: id, wsi: wsi, head: head)
        let key = UInt(bitPattern: wsi)
        if let previous = byWSI[key] { exchanges[previous.id] = nil }
        byWSI[key] = exchange
        exchanges[id] = exchange
        let withinLimit = track(wsi)

        guard let method else {
            return respond(exchange, handler.serverError(status: 405, code: "method_not_allowed", message: "unsupported method", head: head))
        }
        _ = method
        if !withinLimit {
            exchange.closeAfterResponse = true
            return respond(
                exchange,
                handler.serverError(
                    status: 503, code: "too_many_connections",
                    message: "the gateway has \(configuration.maxConnections) connections open, its limit; retry shortly",
                    head: head))
        }
        if shuttingDown.load(ordering: .relaxed) {
            exchange.closeAfterResponse = true
            return respond(exchange, handler.serverError(status: 503, code: "shutting_down", message: "the gateway is shutting down", head: head))
        }
        let declared = head.headers["content-length"].flatMap { Int($0) }
        let chunked = head.version != "2" && head.headers["transfer-encoding"] != nil
        let hasBody = (declared ?? 0) > 0 || chunked
        if chunked && declared == nil {
            // libwebsockets 4.1 does not decode chunked request bodies.
            exchange.closeAfterResponse = true
            return respond(
                exchange,
                handler.serverError(
                    status: 411, code: "length_required",
                    message: "chunked request bodies are not supported: send Content-Length (or use HTTP/2)", head: head))
        }
        if hasBody && ![.post, .put, .patch].contains(head.method) {
            exchange.closeAfterResponse = true
            return respond(
                exchange,
                handler.serverError(
                    status: 400, code: "unexpected_body", message: "a \(head.method.rawValue) request must not have a body", head: head))
        }
        if var response = handler.respondInline(to: head) {
            // An answer given before the body is read: close the connection rather than leave
            // the unread body to be parsed as the next request.
            if hasBody {
                exchange.closeAfterResponse = true
                if head.method == .head { response.body = [] }
            }
            return respond(exchange, response)
        }

        exchange.bodyLimit = handler.bodyLimit(head)
        if let declared, declared > exchange.bodyLimit {
            exchange.tooLarge = true
            // Absurd sizes are refused at once and the connection closed; otherwise the body
            // is read and dropped, so a keep-alive connection stays usable.
            if declared > 16 * exchange.bodyLimit {
                exchange.closeAfterResponse = true
                return respond(exchange, tooLarge(exchange))
            }
            return 0
        }
        let expectsBody: Bool
        switch head.method {
        case .get, .head, .delete, .options: expectsBody = false
        case .post, .put, .patch:
            if let declared { expectsBody = declared > 0 } else { expectsBody = head.version == "2" }
        }
        if handler.streamsBody(head) {
            let stream = HTTPBodyStream { [weak self] in self?.resumeReading(id) }
            exchange.stream = stream
            dispatch(exchange, HTTPRequest(head: head, bodyStream: stream))
            if !expectsBody { stream.finish() }
            return 0
        }
        if !expectsBody { dispatch(exchange, HTTPRequest(head: head)) }
        return 0
    }

    private func tooLarge(_ exchange: Exchange) -> HTTPResponse {
        handler.serverError(
            status: 413, code: "body_too_large", message: "the request body is larger than \(exchange.bodyLimit) bytes, the limit for this route",
            head: exchange.head)
    }

    private func dispatch(_ exchange: Exchange, _ request: HTTPRequest) {
        exchange.dispatched = true
        inFlight.add(1, ordering: .relaxed)
        workContinuation.yield(.request(exchange.id, request))
    }

    private func onBody(_ exchange: Exchange, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        if exchange.tooLarge { return 0 }
        if let stream = exchange.stream {
            exchange.offset += bytes.count
            if exchange.offset > exchange.bodyLimit {
                exchange.tooLarge = true
                stream.finish(throwing: GatewayError(status: 413, code: "body_too_large", message: "the request body is larger than \(exchange.bodyLimit) bytes"))
                exchange.offset = 0
                return 0
            }
            if !stream.append(Array(bytes)) { lws_rx_flow_control(exchange.wsi, 0) }
            return 0
        }
        if exchange.body.count + bytes.count > exchange.bodyLimit {
            exchange.tooLarge = true
            exchange.body = []
            return 0
        }
        exchange.body.append(contentsOf: bytes)
        return 0
    }

    private func onBodyComplete(_ exchange: Exchange) -> Int32 {
        if let stream = exchange.stream {
            exchange.offset = 0
            if !exchange.tooLarge { stream.finish() }
            return 0
        }
        if exchange.tooLarge { return respond(exchange, tooLarge(exchange)) }
        // libwebsockets announces the end of an empty body once (Content-Length: 0), and again
        // and again when it holds bytes past the body (a pipelined request) while the response
        // is pending; such a connection is closed.
        exchange.completions += 1
        if exchange.dispatched { return exchange.completions > 1 ? -1 : 0 }
        if !exchange.dispatched { dispatch(exchange, HTTPRequest(head: exchange.head, body: exchange.body)) }
        exchange.body = []
        return 0
    }

    private func drainMailbox() {
        let items = mailbox.withLock { box -> Mailbox in
            defer { box = Mailbox() }
            return box
        }
        for (id, response) in items.responses {
            guard let exchange = exchanges[id] else { continue }
            exchange.response = response
            exchange.headersSent = false
            exchange.offset = 0
            resumeReading(exchange)
            lws_callback_on_writable(exchange.wsi)
        }
        for (id, frame) in items.frames {
            guard let exchange = exchanges[id] else { continue }
            exchange.outbox.append(frame)
            lws_callback_on_writable(exchange.wsi)
        }
        for id in items.resume {
            guard let exchange = exchanges[id] else { continue }
            lws_rx_flow_control(exchange.wsi, 1)
        }
    }

    // MARK: Writing responses

    /// Starts sending a response decided on the loop thread.
    private func respond(_ exchange: Exchange, _ response: HTTPResponse) -> Int32 {
        exchange.response = response
        exchange.headersSent = false
        exchange.offset = 0
        return writeResponse(exchange)
    }

    private static let chunkBytes = 16 * 1024

    /// Writes the headers and the next part of the body; asks for another writable
    /// callback while body remains.
    private func writeResponse(_ exchange: Exchange) -> Int32 {
        guard let response = exchange.response else { return 0 }
        let wsi = exchange.wsi
        let pre = CWebSockets_pre()
        if !exchange.headersSent {
            exchange.headersSent = true
            var extra = response.headers
            if exchange.closeAfterResponse { extra.append(("connection", "close")) }
            let capacity = 1024 + extra.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 8 }
            var buffer = [UInt8](repeating: 0, count: pre + capacity)
            let failed = buffer.withUnsafeMutableBufferPointer { raw -> Bool in
                let start = raw.baseAddress! + pre
                var p: UnsafeMutablePointer<UInt8>? = start
                let end = start + capacity - 1
                if lws_add_http_common_headers(wsi, UInt32(response.status), response.contentType, UInt64(response.body.count), &p, end) != 0 {
                    return true
                }
                for (name, value) in extra {
                    let headerName = Array((name.lowercased() + ":").utf8CString)
                    let valueBytes = Array(value.utf8)
                    let rv = headerName.withUnsafeBufferPointer { namePointer in
                        valueBytes.withUnsafeBufferPointer { valuePointer in
                            lws_add_http_header_by_name(
                                wsi, UnsafeRawPointer(namePointer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                valuePointer.baseAddress, Int32(valueBytes.count), &p, end)
                        }
                    }
                    if rv != 0 { return true }
                }
                return lws_finalize_write_http_header(wsi, start, &p, end) != 0
            }
            if failed { return -1 }
            if response.body.isEmpty { return finishResponse(exchange) }
        }
        let remaining = response.body.count - exchange.offset
        let count = min(remaining, Self.chunkBytes)
        let last = count == remaining
        var buffer = [UInt8](repeating: 0, count: pre + count)
        buffer.withUnsafeMutableBufferPointer { raw in
            response.body.withUnsafeBufferPointer { body in
                (raw.baseAddress! + pre).update(from: body.baseAddress! + exchange.offset, count: count)
            }
        }
        let written = buffer.withUnsafeMutableBufferPointer { raw in
            lws_write(wsi, raw.baseAddress! + pre, count, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP)
        }
        if written < 0 { return -1 }
        exchange.offset += count
        if last { return finishResponse(exchange) }
        lws_callback_on_writable(wsi)
        return 0
    }

    private func pauseReading(_ exchange: Exchange) {
        guard !exchange.paused else { return }
        exchange.paused = true
        lws_rx_flow_control(exchange.wsi, 0)
    }

    private func resumeReading(_ exchange: Exchange) {
        guard exchange.paused else { return }
        exchange.paused = false
        lws_rx_flow_control(exchange.wsi, 1)
    }

    private func finishResponse(_ exchange: Exchange) -> Int32 {
        resumeReading(exchange)
        exchange.response = nil
        exchanges[exchange.id] = nil
        byWSI[UInt(bitPattern: exchange.wsi)] = nil
        if exchange.closeAfterResponse { return -1 }
        return lws_http_transaction_completed(exchange.wsi) != 0 ? -1 : 0
    }

    // MARK: WebSocket

    private func onWebSocketOpen(_ wsi: OpaquePointer) -> Int32 {
        let key = UInt(bitPattern: wsi)
        guard let head = pendingUpgrades.removeValue(forKey: key) else { return -1 }
        _ = track(wsi)
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let exchange = Exchange(id: id, wsi: wsi, head: head)
        let connection = WebSocketConnection(head: head) { [weak self] frame in self?.post(id, frame) }
        exchange.webSocket = connection
        exchanges[id] = exchange
        byWSI[key] = exchange
        inFlight.add(1, ordering: .relaxed)
        workContinuation.yield(.webSocket(connection))
        return 0
    }

    private func onWebSocketData(_ exchange: Exchange, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        let wsi = exchange.wsi
        if !exchange.fragmentsTooLarge {
            if exchange.fragments.count + bytes.count > configuration.maxWebSocketMessageBytes {
                exchange.fragmentsTooLarge = true
                exchange.fragments = []
                exchange.outbox.append(.close(code: 1009, reason: "message larger than \(configuration.maxWebSocketMessageBytes) bytes"))
                lws_callback_on_writable(wsi)
            } else {
                exchange.fragments.append(contentsOf: bytes)
            }
        }
        guard lws_is_final_fragment(wsi) != 0, lws_remaining_packet_payload(wsi) == 0 else { return 0 }
        defer { exchange.fragments = [] }
        guard !exchange.fragmentsTooLarge, let connection = exchange.webSocket else { return 0 }
        if lws_frame_is_binary(wsi) != 0 {
            connection.inbound.yield(.binary(exchange.fragments))
        } else {
            connection.inbound.yield(.text(String(decoding: exchange.fragments, as: UTF8.self)))
        }
        return 0
    }

    private func writeWebSocket(_ exchange: Exchange) -> Int32 {
        guard !exchange.outbox.isEmpty else { return 0 }
        let frame = exchange.outbox.removeFirst()
        let wsi = exchange.wsi
        switch frame {
        case .close(let code, let reason):
            var bytes = Array(reason.utf8.prefix(120))
            bytes.withUnsafeMutableBufferPointer { pointer in
                lws_close_reason(wsi, lws_close_status(rawValue: UInt32(code)), pointer.baseAddress, pointer.count)
            }
            return -1
        case .message(let message):
            let pre = CWebSockets_pre()
            let (payload, type): ([UInt8], lws_write_protocol) =
                switch message {
                case .text(let text): (Array(text.utf8), LWS_WRITE_TEXT)
                case .binary(let bytes): (bytes, LWS_WRITE_BINARY)
                }
            var buffer = [UInt8](repeating: 0, count: pre + payload.count)
            buffer.replaceSubrange(pre..., with: payload)
            let written = buffer.withUnsafeMutableBufferPointer { raw in lws_write(wsi, raw.baseAddress! + pre, payload.count, type) }
            if written < 0 { return -1 }
        }
        if !exchange.outbox.isEmpty { lws_callback_on_writable(wsi) }
        return 0
    }

    // MARK: Request heads

    private func readHeader(_ wsi: OpaquePointer, _ token: lws_token_indexes) -> String? {
        let length = lws_hdr_total_length(wsi, token)
        guard length > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(length) + 1)
        guard lws_hdr_copy(wsi, &buffer, Int32(buffer.count), token) >= 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func readCustomHeader(_ wsi: OpaquePointer, _ token: [CChar]) -> String? {
        let length = lws_hdr_custom_length(wsi, token, Int32(token.count - 1))
        guard length >= 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(length) + 1)
        guard lws_hdr_custom_copy(wsi, &buffer, Int32(buffer.count), token, Int32(token.count - 1)) >= 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static let standardHeaders: [(String, lws_token_indexes)] = [
        ("authorization", WSI_TOKEN_HTTP_AUTHORIZATION),
        ("content-type", WSI_TOKEN_HTTP_CONTENT_TYPE),
        ("content-length", WSI_TOKEN_HTTP_CONTENT_LENGTH),
        ("transfer-encoding", WSI_TOKEN_HTTP_TRANSFER_ENCODING),
        ("accept", WSI_TOKEN_HTTP_ACCEPT),
        ("user-agent", WSI_TOKEN_HTTP_USER_AGENT),
        ("origin", WSI_TOKEN_ORIGIN),
    ]

    private func readHead(_ wsi: OpaquePointer, method: HTTPMethod, path: String) -> HTTPRequestHead {
        var headers: [String: String] = [:]
        for (name, token) in Self.standardHeaders {
            if let value = readHeader(wsi, token) { headers[name] = value }
        }
        for (name, token) in customHeaderNames {
            if let value = readCustomHeader(wsi, token) { headers[name] = value }
        }
        var query: [String: String] = [:]
        var index: Int32 = 0
        while true {
            let length = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, index)
            guard length > 0 else { break }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard lws_hdr_copy_fragment(wsi, &buffer, Int32(buffer.count), WSI_TOKEN_HTTP_URI_ARGS, index) >= 0 else { break }
            let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let equals = text.firstIndex(of: "=") {
                query[String(text[..<equals])] = String(text[text.index(after: equals)...])
            } else {
                query[text] = ""
            }
            index += 1
        }
        var peer = [CChar](repeating: 0, count: 64)
        let peerName = lws_get_peer_simple(wsi, &peer, peer.count).map { String(cString: $0) } ?? ""
        let network = lws_get_network_wsi(wsi)
        let version = network != nil && network != wsi ? "2" : "1.1"
        var cleanPath = path
        if let question = cleanPath.firstIndex(of: "?") { cleanPath = String(cleanPath[..<question]) }
        return HTTPRequestHead(method: method, path: cleanPath, query: query, headers: headers, version: version, peer: peerName)
    }

    // MARK: Logging

    private static let logTarget = Mutex<Logger?>(nil)

    private static func installLogging(_ logger: Logger) {
        logTarget.withLock { $0 = logger }
        lws_set_log_level(Int32(LLL_ERR | LLL_WARN)) { level, line in
            guard let line else { return }
            var text = String(cString: line)
            while text.last == "\n" { text.removeLast() }
            let logger = HTTPServerCore.logTarget.withLock { $0 }
            if level & Int32(LLL_ERR) != 0 {
                logger?.error("libwebsockets", ["detail": text])
            } else {
                logger?.warning("libwebsockets", ["detail": text])
            }
        }
    }
}

/// The one libwebsockets callback: finds the server from the context's user pointer.
private func gatewayLWSCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?, _ input: UnsafeMutableRawPointer?,
    _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let raw = lws_context_user(context) else { return 0 }
    let core = Unmanaged<HTTPServerCore>.fromOpaque(raw).takeUnretainedValue()
    return core.callback(wsi, reason, input, length)
}
