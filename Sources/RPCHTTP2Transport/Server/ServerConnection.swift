internal import Glibc
internal import NGHTTP2
internal import RPCCore
internal import ServiceRuntime

/// The state of one request stream on a server connection (loop thread only).
final class ServerStream {
    let id: Int32
    var isPost = false
    var method = ""
    var path = ""
    var handlerFromPath: RPCHandler?
    var contentTypeIsGRPC = false
    var contentType: String?
    var timeout: String?
    var encoding: String?
    var requestID: String?
    var traceParent: String?
    var metadata = Metadata()
    var badMetadata = false
    var handler: RPCHandler?
    var context: ServerContext?
    var deframer: GRPCMessageDeframer
    var inlineRequest: [UInt8]?
    var requestMessages = 0
    var call: PooledCall?
    var outbox: StreamOutbox?
    var inlineResponse: [UInt8] = []
    var inlineOffset = 0
    var inlineTrailers: [(String, String)]?
    var responseStarted = false
    var finished = false
    var remoteClosed = false
    var outcomeCounted = false
    var deadlineTimer: UInt64?
    /// When the request headers completed (set for calls the observer sees).
    var startedAt: ContinuousClock.Instant?
    /// The status sent on the loop (inline calls, failures, refusals); pooled handlers
    /// record theirs in `call.finalCode`.
    var status: StatusCode?

    init(id: Int32, maxMessageBytes: Int) {
        self.id = id
        deframer = GRPCMessageDeframer(maxMessageBytes: maxMessageBytes)
    }
}

/// One accepted HTTP/2 connection of the server, confined to its event loop.
final class ServerConnection: EventLoopHandler, HTTP2SessionDelegate, @unchecked Sendable {
    // @unchecked Sendable: every property is touched only on `loop`'s thread; other threads
    // only capture the reference inside `loop.execute { }` jobs.
    let fd: Int32
    let peer: String
    let loop: EventLoop
    let core: HTTP2ServerCore
    private var session: HTTP2Session!
    private var streams: [Int32: ServerStream] = [:]
    private var socket: SessionSocket
    private var closed = false
    private var shuttingDown = false
    private var lastActivity = ContinuousClock.now
    private var pingOutstanding = false
    private var keepaliveTimer: UInt64?
    private var lastPathBytes: [UInt8] = []
    private var lastHandler: RPCHandler?
    /// Streams to reset (RST_STREAM NO_ERROR) once their trailers-only response is serialized:
    /// the client is still sending, but the call is over.
    private var pendingResets: [Int32] = []
    /// Calls that start on the loop whose requests completed in the bytes being read; they
    /// are started once the read is processed (`startReadyCalls`).
    private var readyCalls: [PooledCall] = []
    /// Called on the loop once the connection has closed.
    var onClose: ((ServerConnection) -> Void)?

    init(fd: Int32, peer: String, loop: EventLoop, core: HTTP2ServerCore) throws {
        self.fd = fd
        self.peer = peer
        self.loop = loop
        self.core = core
        socket = SessionSocket(fd: fd, loop: loop, writeLimit: core.configuration.connectionWriteBufferBytes)
        var settings = HTTP2Settings()
        settings.maxConcurrentStreams = core.configuration.maxConcurrentStreams
        session = try HTTP2Session(server: true, delegate: self, settings: settings)
    }

    func start() {
        loop.register(fd: fd, handler: self)
        scheduleKeepalive()
        flush()
    }

    // MARK: Socket I/O

    func handleReadable() {
        guard !closed else { return }
        let outcome = socket.read(into: session, onData: { lastActivity = .now })
        if case .ok = outcome { startReadyCalls() } else { startReadyCalls(onLoop: false) }
        switch outcome {
        case .ok:
            flush()
        case .protocolError(let error):
            core.log("connection error", ["peer": peer, "error": "\(error)"])
            flush()  // the GOAWAY nghttp2 queued
            close()
        case .closedByPeer, .socketError:
            close()
        }
    }

    func handleWritable() { flush() }

    /// Serializes pending frames and writes as much as the socket takes.
    func flush() {
        guard !closed else { return }
        let outcome = socket.flush(session) {
            // Resets wait until the trailers-only responses before them are serialized.
            guard !pendingResets.isEmpty else { return false }
            for id in pendingResets { session.resetStream(streamID: id, errorCode: 0) }
            pendingResets.removeAll()
            return true
        }
        guard case .ok = outcome else {
            close()
            return
        }
        let pending = socket.hasPendingWrites
        if !pending && !session.wantsRead && !session.wantsWrite { close() }
        if shuttingDown && streams.isEmpty && !pending { close() }
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let keepaliveTimer { loop.cancelTimer(keepaliveTimer) }
        let cancelled = RPCError(code: .unavailable, message: "The connection to the client was closed.")
        for stream in streams.values {
            if let timer = stream.deadlineTimer { loop.cancelTimer(timer) }
            stream.call?.cancel(cancelled)
            count(stream, cancelled: !stream.finished)
        }
        streams.removeAll()
        loop.deregister(fd: fd)
        Glibc.close(fd)
        onClose?(self)
    }

    // MARK: Keepalive and shutdown

    private func scheduleKeepalive() {
        guard let interval = core.configuration.keepaliveInterval else { return }
        keepaliveTimer = loop.schedule(at: .now + interval) { [weak self] in self?.keepaliveTick() }
    }

    private func keepaliveTick() {
        guard !closed, let interval = core.configuration.keepaliveInterval else { return }
        if pingOutstanding {
            core.log("keepalive timeout", ["peer": peer])
            session.terminate(errorCode: 0)
            flush()
            close()
            return
        }
        if ContinuousClock.now - lastActivity >= interval {
            pingOutstanding = true
            session.submitPing()
            keepaliveTimer = loop.schedule(at: .now + core.configuration.keepaliveTimeout) { [weak self] in self?.keepaliveTick() }
            flush()
        } else {
            keepaliveTimer = loop.schedule(at: lastActivity + interval) { [weak self] in self?.keepaliveTick() }
        }
    }

    /// Starts a graceful shutdown: GOAWAY now, close once the calls in flight are done.
    func beginShutdown() {
        guard !closed, !shuttingDown else { return }
        shuttingDown = true
        session.submitShutdownNotice()
        flush()
        loop.schedule(at: .now + .milliseconds(100)) { [weak self] in
            guard let self, !self.closed else { return }
            self.session.submitGoAway()
            self.flush()
        }
    }

    /// Ends the calls still in flight when the grace period is over.
    func forceClose() {
        guard !closed else { return }
        let error = RPCError(code: .unavailable, message: "The server is shutting down.")
        for stream in streams.values where !stream.finished {
            fail(stream, error)
        }
        session.submitGoAway()
        flush()
        close()
    }

    // MARK: HTTP2SessionDelegate

    func sessionBeginHeaders(streamID: Int32) {
        guard streams[streamID] == nil else { return }
        streams[streamID] = ServerStream(id: streamID, maxMessageBytes: core.configuration.maxReceiveMessageBytes)
    }

    func sessionHeader(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        guard let stream = streams[streamID] else { return }
        // The common headers are matched as bytes, and strings are made only where needed:
        // this runs for every header of every call.
        if name.first == UInt8(ascii: ":") {
            if name.matches(":path") {
                stream.handlerFromPath = handler(forPath: value)
                if stream.handlerFromPath == nil { stream.path = String(decoding: value, as: UTF8.self) }
            } else if name.matches(":method") {
                stream.isPost = value.matches("POST")
                if !stream.isPost { stream.method = String(decoding: value, as: UTF8.self) }
            }
            return
        }
        if name.matches("content-type") {
            stream.contentTypeIsGRPC = value.matches("application/grpc")
            if !stream.contentTypeIsGRPC { stream.contentType = String(decoding: value, as: UTF8.self) }
            return
        }
        // Transport headers that are not metadata.
        if name.matches("te") || name.matches("user-agent") || name.matches("content-length") { return }
        let key = String(decoding: name, as: UTF8.self)
        let text = String(decoding: value, as: UTF8.self)
        switch key {
        case "grpc-timeout": stream.timeout = text
        case "grpc-encoding": stream.encoding = text
        case "x-request-id": stream.requestID = text
        case "traceparent":
            stream.traceParent = text
            stream.metadata.add(key, text)
        default:
            if key.hasPrefix("grpc-") { return }
            if !stream.metadata.addWire(key: key, value: text) { stream.badMetadata = true }
        }
    }

    /// The handler for a `:path`, with a one-entry cache: a connection usually calls the same
    /// method again and again.
    private func handler(forPath bytes: UnsafeBufferPointer<UInt8>) -> RPCHandler? {
        if let cached = lastHandler, lastPathBytes.withUnsafeBufferPointer({ $0.matches(bytes) }) { return cached }
        let path = String(decoding: bytes, as: UTF8.self)
        guard let handler = core.router.handler(forPath: path) else { return nil }
        lastPathBytes = Array(bytes)
        lastHandler = handler
        return handler
    }

    func sessionHeadersComplete(streamID: Int32, category: HTTP2HeadersCategory, endStream: Bool) {
        guard let stream = streams[streamID] else { return }
        if category == .request {
            startCall(stream)
        }
        if endStream { endOfRequest(stream) }
    }

    func sessionData(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        session.consumeConnection(count: bytes.count)
        guard let stream = streams[streamID], !stream.finished, stream.handler != nil else {
            session.consume(streamID: streamID, count: bytes.count)
            return
        }
        stream.deframer.append(bytes)
        // A handler that starts on the loop waits for the whole request: it takes one message,
        // and the window is not withheld for it (nothing would read the inbox before the end).
        let startsOnLoop = stream.handler?.startsOnLoop == true
        do {
            while let message = try stream.deframer.next() {
                stream.requestMessages += 1
                if let call = stream.call {
                    if startsOnLoop && stream.requestMessages > 1 {
                        throw RPCError(code: .internal, message: "The client sent more than one request message for a call that takes one.")
                    }
                    call.inbox.push(message)
                } else {
                    stream.inlineRequest = message
                }
            }
        } catch {
            session.consume(streamID: streamID, count: bytes.count)
            fail(stream, RPCError(wrapping: error))
            return
        }
        if let call = stream.call, !startsOnLoop, call.inbox.withholdIfFull(bytes.count) { return }
        session.consume(streamID: streamID, count: bytes.count)
    }

    func sessionDataEndStream(streamID: Int32) {
        guard let stream = streams[streamID] else { return }
        endOfRequest(stream)
    }

    func sessionStreamClosed(streamID: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        if let timer = stream.deadlineTimer { loop.cancelTimer(timer) }
        // A pooled handler that ended with a status completed its call, even when nghttp2 sent
        // its trailers (and closed the stream) before the loop saw the outbox close.
        let handlerEnded = stream.call?.endedCode != nil
        if !handlerEnded, !stream.finished || (stream.call != nil && !stream.call!.ended.isTriggered) {
            let error = RPCError(
                code: .cancelled,
                message: errorCode == 0 ? "The stream closed before the call ended." : "The client cancelled the call (RST_STREAM code \(errorCode))."
            )
            count(stream, cancelled: !stream.finished)
            if !stream.finished, stream.status == nil { stream.status = .cancelled }
            stream.finished = true
            stream.call?.cancel(error)
        }
        count(stream, cancelled: false)
        if let startedAt = stream.startedAt, let observer = core.observer {
            let pooled = stream.call?.endedCode
            observer.callEnded(
                ServerCallRecord(
                    method: stream.context?.method, context: stream.context, code: stream.status ?? pooled ?? .cancelled,
                    duration: .now - startedAt))
        }
        if shuttingDown && streams.isEmpty { loop.scheduleFlush(self) }
    }

    func sessionReadData(streamID: Int32, into buffer: UnsafeMutableRawBufferPointer) -> HTTP2DataReadResult {
        guard let stream = streams[streamID] else { return .end(count: 0, trailers: [("grpc-status", "1")]) }
        if let outbox = stream.outbox { return outbox.read(into: buffer) }
        let n = min(buffer.count, stream.inlineResponse.count - stream.inlineOffset)
        stream.inlineResponse.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + stream.inlineOffset, byteCount: n)
        }
        stream.inlineOffset += n
        if stream.inlineOffset == stream.inlineResponse.count {
            return .end(count: n, trailers: stream.inlineTrailers)
        }
        return .bytes(n)
    }

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {}

    func sessionPingAck() {
        pingOutstanding = false
        lastActivity = .now
    }

    // MARK: Calls

    private func startCall(_ stream: ServerStream) {
        guard stream.isPost else {
            respondHTTP(stream, status: 405, message: "gRPC requires POST, not \(stream.method.isEmpty ? "no method" : stream.method).")
            return
        }
        if !stream.contentTypeIsGRPC {
            guard let contentType = stream.contentType, contentType.hasPrefix("application/grpc") else {
                respondHTTP(stream, status: 415, message: "Unsupported content-type \(stream.contentType ?? "(none)"); gRPC requires application/grpc.")
                return
            }
            if let next = contentType.utf8.dropFirst(16).first, next != UInt8(ascii: "+"), next != UInt8(ascii: ";") {
                respondHTTP(stream, status: 415, message: "Unsupported content-type \(contentType).")
                return
            }
        }
        guard let handler = stream.handlerFromPath else {
            if core.observer != nil { stream.startedAt = .now }
            respondTrailersOnly(stream, RPCError(code: .unimplemented, message: "Method not found: \(stream.path)"))
            return
        }
        if let encoding = stream.encoding, encoding != "identity" {
            respondTrailersOnly(
                stream,
                RPCError(code: .unimplemented, message: "grpc-encoding \(encoding) is not supported; this server accepts identity only.")
            )
            return
        }
        if stream.badMetadata {
            respondTrailersOnly(stream, RPCError(code: .internal, message: "A -bin metadata value is not valid base64."))
            return
        }
        var deadline: ContinuousClock.Instant?
        if let timeout = stream.timeout {
            guard let duration = GRPCTimeout.parse(timeout) else {
                respondTrailersOnly(stream, RPCError(code: .internal, message: "Malformed grpc-timeout '\(timeout)'."))
                return
            }
            deadline = .now + duration
        }
        let requestID = stream.requestID
        let context = ServerContext(
            method: handler.method,
            metadata: stream.metadata,
            deadline: deadline,
            requestID: requestID,
            traceParent: stream.traceParent,
            peer: peer
        )
        stream.context = context
        stream.handler = handler
        if let observer = core.observer {
            stream.startedAt = .now
            observer.callStarted(handler.method)
        }
        if case .pooled(let body) = handler.body {
            // A handler that starts on the loop is admitted, and started, once its request
            // is complete (`endOfRequest`); the others start now and read as messages come.
            if !handler.startsOnLoop {
                guard admit(stream) else {
                    stream.handler = nil
                    return
                }
            }
            let id = stream.id
            let inbox = StreamInbox(limit: core.configuration.streamInboxBytes) { [self] credit in
                loop.execute { [self] in
                    session.consume(streamID: id, count: credit)
                    loop.scheduleFlush(self)
                }
            }
            let outbox = StreamOutbox(limit: core.configuration.streamOutboxBytes) { [self] in
                loop.execute { [self] in kick(streamID: id) }
            }
            let call = PooledCall(
                body: body,
                context: context,
                inbox: inbox,
                outbox: outbox,
                maxSendMessageBytes: core.configuration.maxSendMessageBytes
            ) { [core] error in
                outbox.close(trailers: core.trailers(for: error, metadata: context.response.trailing))
            }
            stream.call = call
            stream.outbox = outbox
            if !handler.startsOnLoop { core.dispatcher.start(call, immediately: false) }
        }
        if let deadline {
            stream.deadlineTimer = loop.schedule(at: deadline) { [weak self, weak stream] in
                guard let self, let stream, !stream.finished else { return }
                self.fail(stream, RPCError(code: .deadlineExceeded, message: "The deadline of \(stream.timeout ?? "") expired."))
            }
        }
    }

    private func endOfRequest(_ stream: ServerStream) {
        stream.remoteClosed = true
        guard !stream.finished, let handler = stream.handler, let context = stream.context else { return }
        if stream.deframer.hasPartialMessage {
            fail(stream, RPCError(code: .internal, message: "The request ended in the middle of a message (truncated length prefix or body)."))
            return
        }
        if let call = stream.call {
            call.inbox.finish(nil)
            if handler.startsOnLoop, admit(stream) { readyCalls.append(call) }
            return
        }
        guard case .inlineUnary(let body) = handler.body else { return }
        guard stream.requestMessages == 1, let request = stream.inlineRequest else {
            let what = stream.requestMessages == 0 ? "no request message" : "\(stream.requestMessages) request messages"
            fail(stream, RPCError(code: .internal, message: "The client sent \(what) for a unary call."))
            return
        }
        if let deadline = context.deadline, deadline <= .now {
            fail(stream, RPCError(code: .deadlineExceeded, message: "The deadline expired before the call started."))
            return
        }
        do {
            // The response is serialized straight after a 5-byte prefix, filled in afterwards.
            var framed: [UInt8] = [0, 0, 0, 0, 0]
            try request.withUnsafeBytes { try body($0, context, &framed) }
            let length = framed.count - 5
            guard length <= core.configuration.maxSendMessageBytes else {
                throw RPCError(code: .resourceExhausted, message: "The response message is \(length) bytes, over the server's send limit.")
            }
            framed[1] = UInt8(truncatingIfNeeded: length >> 24)
            framed[2] = UInt8(truncatingIfNeeded: length >> 16)
            framed[3] = UInt8(truncatingIfNeeded: length >> 8)
            framed[4] = UInt8(truncatingIfNeeded: length)
            stream.inlineResponse = framed
            stream.inlineTrailers = context.response.isEmpty ? HTTP2ServerCore.okTrailers : core.trailers(for: nil, metadata: context.response.trailing)
            stream.finished = true
            stream.status = .ok
            if let timer = stream.deadlineTimer { loop.cancelTimer(timer) }
            stream.responseStarted = true
            try session.submitResponse(streamID: stream.id, headers: responseHeaders(context))
        } catch {
            fail(stream, RPCError(wrapping: error))
        }
    }

    /// Starts the calls whose requests the last read completed. A call that arrived alone, on
    /// a server running no other handler, runs here on the loop until it first suspends: an
    /// answer from memory then crosses no thread. Calls that arrive together, or while other
    /// handlers run, go to the pool, so that under load they use every core and the loop goes
    /// on reading (on the loop they would run one after another: one connection, one core).
    private func startReadyCalls(onLoop: Bool = true) {
        guard !readyCalls.isEmpty else { return }
        let calls = readyCalls
        readyCalls.removeAll(keepingCapacity: true)
        let alone = onLoop && calls.count == 1 && core.dispatcher.runningCount == 1
        for call in calls { core.dispatcher.start(call, immediately: alone) }
    }

    /// Reserves a handler slot for the call, or refuses it with RESOURCE_EXHAUSTED.
    private func admit(_ stream: ServerStream) -> Bool {
        if core.dispatcher.tryAdmit() { return true }
        core.statistics.rejected()
        respondTrailersOnly(
            stream,
            RPCError(code: .resourceExhausted, message: "The server is busy: \(core.dispatcher.limit) calls are running, the limit. Retry later.")
        )
        return false
    }

    /// Starts or resumes a pooled call's response (after a write or close from its handler).
    private func kick(streamID: Int32) {
        guard let stream = streams[streamID], let outbox = stream.outbox, let context = stream.context else { return }
        if !stream.responseStarted {
            stream.responseStarted = true
            let (closed, empty, trailers) = outbox.isClosedWithoutData
            if closed && empty, let trailers {
                finishStream(stream)
                try? session.submitHeaders(streamID: streamID, headers: responseHeaders(context) + trailers, endStream: true)
            } else {
                try? session.submitResponse(streamID: streamID, headers: responseHeaders(context))
            }
        } else {
            if outbox.isClosedWithoutData.closed { finishStream(stream) }
            session.resumeData(streamID: streamID)
        }
        loop.scheduleFlush(self)
    }

    private func finishStream(_ stream: ServerStream) {
        guard !stream.finished else { return }
        stream.finished = true
        if let timer = stream.deadlineTimer { loop.cancelTimer(timer) }
    }

    /// Counts a call's outcome once: cancelled (RST_STREAM, deadline, lost connection) or
    /// completed (a status was sent).
    private func count(_ stream: ServerStream, cancelled: Bool) {
        guard !stream.outcomeCounted else { return }
        stream.outcomeCounted = true
        if cancelled { core.statistics.cancelled() } else { core.statistics.completed() }
    }

    /// Ends a call with an error status: trailers-only if nothing was sent yet, trailers
    /// after the data otherwise. The handler, if running, is cancelled.
    private func fail(_ stream: ServerStream, _ error: RPCError) {
        guard !stream.finished else { return }
        stream.finished = true
        if stream.status == nil { stream.status = error.code }
        if let timer = stream.deadlineTimer { loop.cancelTimer(timer) }
        if error.code == .deadlineExceeded { count(stream, cancelled: true) }
        let trailers = core.trailers(for: error, metadata: stream.context?.response.trailing ?? [:])
        stream.call?.cancel(error, trailers: trailers)
        if stream.responseStarted {
            if stream.call == nil {
                stream.inlineResponse = []
                stream.inlineOffset = 0
                stream.inlineTrailers = trailers
            }
            session.resumeData(streamID: stream.id)
        } else {
            stream.responseStarted = true
            let headers = stream.context.map(responseHeaders) ?? [(":status", "200"), ("content-type", "application/grpc")]
            try? session.submitHeaders(streamID: stream.id, headers: headers + trailers, endStream: true)
            if !stream.remoteClosed { pendingResets.append(stream.id) }
        }
        loop.scheduleFlush(self)
    }

    private func respondTrailersOnly(_ stream: ServerStream, _ error: RPCError) {
        stream.finished = true
        if stream.status == nil { stream.status = error.code }
        let headers = [(":status", "200"), ("content-type", "application/grpc")] + core.trailers(for: error, metadata: [:])
        try? session.submitHeaders(streamID: stream.id, headers: headers, endStream: true)
        if !stream.remoteClosed { pendingResets.append(stream.id) }
        loop.scheduleFlush(self)
    }

    private func respondHTTP(_ stream: ServerStream, status: Int, message: String) {
        stream.finished = true
        let headers = [
            (":status", String(status)), ("content-type", "text/plain"),
            ("grpc-status", String(StatusCode.unknown.rawValue)), ("grpc-message", PercentEncoding.encode(message)),
        ]
        try? session.submitHeaders(streamID: stream.id, headers: headers, endStream: true)
        if !stream.remoteClosed { pendingResets.append(stream.id) }
        loop.scheduleFlush(self)
    }

    private static let baseHeaders = [(":status", "200"), ("content-type", "application/grpc")]

    private func responseHeaders(_ context: ServerContext) -> [(String, String)] {
        guard !context.response.isEmpty else { return Self.baseHeaders }
        let initial = context.response.initial
        return initial.isEmpty ? Self.baseHeaders : Self.baseHeaders + initial.wireHeaders.filter { !Metadata.isReserved($0.0) }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes equal `literal` (a memcmp, not a generic sequence comparison).
    func matches(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        guard let base = baseAddress else { return count == 0 }
        return memcmp(base, literal.utf8Start, count) == 0
    }

    /// Whether the bytes equal `other`'s.
    func matches(_ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count == other.count else { return false }
        guard let base = baseAddress, let otherBase = other.baseAddress else { return count == 0 }
        return memcmp(base, otherBase, count) == 0
    }
}
