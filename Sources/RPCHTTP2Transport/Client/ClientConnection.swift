internal import Glibc
internal import NGHTTP2
internal import RPCCore
internal import Synchronization

/// Loop-side state of one client stream.
final class ClientStreamState {
    let call: ClientCall
    var deframer: GRPCMessageDeframer
    var responseHeaders: [(String, String)] = []
    var trailerFields: [(String, String)] = []
    var sawResponseHeaders = false
    var deadlineTimer: UInt64?
    var done = false

    init(call: ClientCall, maxReceiveMessageBytes: Int) {
        self.call = call
        deframer = GRPCMessageDeframer(maxMessageBytes: maxReceiveMessageBytes)
    }
}

/// One HTTP/2 connection from the client to one server address, confined to its loop.
final class ClientConnection: EventLoopHandler, HTTP2SessionDelegate, @unchecked Sendable {
    // @unchecked Sendable: all state is touched only on `loop`'s thread.
    enum State {
        case connecting
        case ready
        case draining
        case closed
    }

    let address: ResolvedAddress
    let authority: String
    let loop: EventLoop
    let configuration: HTTP2ClientConfiguration
    private(set) var state: State = .connecting
    private var session: HTTP2Session!
    private var streams: [Int32: ClientStreamState] = [:]
    private var socket: SessionSocket
    private var connectTimer: UInt64?
    private var keepaliveTimer: UInt64?
    private var pingOutstanding = false
    private var lastActivity = ContinuousClock.now
    /// Told about state changes (on the loop): ready, or closed with the reason.
    var onStateChange: ((ClientConnection, State, RPCError?) -> Void)?

    init(address: ResolvedAddress, authority: String, loop: EventLoop, configuration: HTTP2ClientConfiguration) {
        self.address = address
        self.authority = authority
        self.loop = loop
        self.configuration = configuration
        socket = SessionSocket(fd: -1, loop: loop, writeLimit: configuration.connectionWriteBufferBytes)
    }

    /// Starts connecting (loop thread).
    func connect() {
        let fd: Int32
        do {
            fd = try Socket.connect(address)
        } catch {
            fail(RPCError(code: .unavailable, message: "\(error)", cause: error))
            return
        }
        loop.register(fd: fd, handler: self, writable: true)
        socket.attach(fd: fd)
        connectTimer = loop.schedule(at: .now + configuration.connectTimeout) { [weak self] in
            guard let self, self.state == .connecting else { return }
            self.fail(RPCError(code: .unavailable, message: "Connecting to \(self.address) timed out."))
        }
    }

    // MARK: Calls

    /// Opens a stream for `call` (loop thread). The call fails if the connection is not ready.
    func startStream(_ call: ClientCall, headers: [(String, String)], deadline: ContinuousClock.Instant?, streamID box: StreamIDBox) {
        guard state == .ready else {
            call.notSent.store(true, ordering: .relaxed)
            call.finish(RPCError(code: .unavailable, message: "The connection to \(address) is not ready."), trailers: [:])
            return
        }
        let streamID: Int32
        do {
            streamID = try session.submitRequest(headers: headers)
        } catch {
            call.notSent.store(true, ordering: .relaxed)
            call.finish(RPCError(code: .unavailable, message: "Cannot start a stream: \(error)"), trailers: [:])
            return
        }
        box.set(streamID)
        let stream = ClientStreamState(call: call, maxReceiveMessageBytes: configuration.maxReceiveMessageBytes)
        streams[streamID] = stream
        call.setCancelHook { [self] _ in
            loop.execute { [self] in
                guard let stream = streams[streamID], !stream.done else { return }
                stream.done = true
                session.resetStream(streamID: streamID, errorCode: 8)
                loop.scheduleFlush(self)
            }
        }
        if let deadline {
            stream.deadlineTimer = loop.schedule(at: deadline) { [weak self] in
                guard let self, let stream = self.streams[streamID], !stream.done else { return }
                stream.done = true
                self.session.resetStream(streamID: streamID, errorCode: 8)
                stream.call.finish(RPCError(code: .deadlineExceeded, message: "The call's deadline expired."), trailers: [:])
                self.loop.scheduleFlush(self)
            }
        }
        loop.scheduleFlush(self)
    }

    /// Resumes a stream whose request data was deferred.
    func kick(streamID: Int32) {
        session?.resumeData(streamID: streamID)
        loop.scheduleFlush(self)
    }

    /// Closes the connection: GOAWAY, then close once the streams are done.
    func shutdown() {
        switch state {
        case .connecting: fail(RPCError(code: .unavailable, message: "The channel was closed."))
        case .ready:
            state = .draining
            session.submitGoAway()
            flush()
            if streams.isEmpty { closeSocket(nil) }
        case .draining, .closed: break
        }
    }

    // MARK: Socket I/O

    func handleWritable() {
        if state == .connecting {
            let error = Socket.pendingError(socket.fd)
            guard error == 0 else {
                fail(RPCError(code: .unavailable, message: "Cannot connect to \(address): \(String(cString: strerror(error)))."))
                return
            }
            if let connectTimer { loop.cancelTimer(connectTimer) }
            do {
                session = try HTTP2Session(server: false, delegate: self)
            } catch {
                fail(RPCError(code: .internal, message: "\(error)"))
                return
            }
            state = .ready
            scheduleKeepalive()
            onStateChange?(self, .ready, nil)
        }
        flush()
    }

    func handleReadable() {
        guard state == .ready || state == .draining else {
            if state == .connecting { handleWritable() }
            return
        }
        switch socket.read(into: session, onData: { lastActivity = .now }) {
        case .ok:
            flush()
        case .protocolError(let error):
            fail(RPCError(code: .unavailable, message: "HTTP/2 error from \(address): \(error)"))
        case .closedByPeer:
            fail(RPCError(code: .unavailable, message: "The server at \(address) closed the connection."))
        case .socketError(let text):
            fail(RPCError(code: .unavailable, message: "Reading from \(address): \(text)."))
        }
    }

    func flush() {
        guard state == .ready || state == .draining else { return }
        switch socket.flush(session) {
        case .ok:
            break
        case .protocolError(let error):
            fail(RPCError(code: .unavailable, message: "HTTP/2 error: \(error)"))
            return
        case .closedByPeer, .socketError:
            fail(RPCError(code: .unavailable, message: "Writing to \(address) failed."))
            return
        }
        if state == .draining && streams.isEmpty && !socket.hasPendingWrites { closeSocket(nil) }
    }

    /// Fails every stream with `error` and closes.
    private func fail(_ error: RPCError) {
        guard state != .closed else { return }
        let wasConnecting = state == .connecting
        for stream in streams.values where !stream.done {
            stream.done = true
            if wasConnecting { stream.call.notSent.store(true, ordering: .relaxed) }
            stream.call.finish(error, trailers: [:])
        }
        streams.removeAll()
        closeSocket(error)
    }

    private func closeSocket(_ error: RPCError?) {
        guard state != .closed else { return }
        state = .closed
        if let connectTimer { loop.cancelTimer(connectTimer) }
        if let keepaliveTimer { loop.cancelTimer(keepaliveTimer) }
        if socket.fd >= 0 {
            loop.deregister(fd: socket.fd)
            Glibc.close(socket.fd)
        }
        onStateChange?(self, .closed, error)
    }

    private func scheduleKeepalive() {
        guard let interval = configuration.keepaliveInterval else { return }
        keepaliveTimer = loop.schedule(at: .now + interval) { [weak self] in self?.keepaliveTick() }
    }

    private func keepaliveTick() {
        guard state == .ready || state == .draining, let interval = configuration.keepaliveInterval else { return }
        if pingOutstanding {
            fail(RPCError(code: .unavailable, message: "The server at \(address) did not answer a keepalive PING in time."))
            return
        }
        if ContinuousClock.now - lastActivity >= interval {
            pingOutstanding = true
            session.submitPing()
            keepaliveTimer = loop.schedule(at: .now + configuration.keepaliveTimeout) { [weak self] in self?.keepaliveTick() }
            flush()
        } else {
            keepaliveTimer = loop.schedule(at: lastActivity + interval) { [weak self] in self?.keepaliveTick() }
        }
    }

    // MARK: HTTP2SessionDelegate

    func sessionBeginHeaders(streamID: Int32) {}

    func sessionHeader(streamID: Int32, name nameBytes: UnsafeBufferPointer<UInt8>, value valueBytes: UnsafeBufferPointer<UInt8>) {
        guard let stream = streams[streamID] else { return }
        let name = String(decoding: nameBytes, as: UTF8.self)
        let value = String(decoding: valueBytes, as: UTF8.self)
        if stream.sawResponseHeaders {
            stream.trailerFields.append((name, value))
        } else {
            stream.responseHeaders.append((name, value))
        }
    }

    func sessionHeadersComplete(streamID: Int32, category: HTTP2HeadersCategory, endStream: Bool) {
        guard let stream = streams[streamID], !stream.done else { return }
        if !stream.sawResponseHeaders {
            stream.sawResponseHeaders = true
            let fields = stream.responseHeaders
            var status = 0
            var contentType: String?
            var metadata = Metadata()
            for (name, value) in fields {
                switch name {
                case ":status": status = Int(value) ?? 0
                case "content-type": contentType = value
                default:
                    if !name.hasPrefix(":") && !name.hasPrefix("grpc-") { metadata.addWire(key: name, value: value) }
                }
            }
            if status != 200 {
                let message = fields.first { $0.0 == "grpc-message" }.map { PercentEncoding.decode($0.1) } ?? ""
                finish(stream, streamID, RPCError(code: StatusCode(httpStatus: status), message: "HTTP status \(status) from the server. \(message)"), [:])
                return
            }
            if endStream {
                // Trailers-only: the status is in these headers.
                finishWithTrailers(stream, streamID, fields)
                return
            }
            guard let contentType, contentType.hasPrefix("application/grpc") else {
                finish(stream, streamID, RPCError(code: .unknown, message: "The response content-type is \(contentType ?? "missing"), not application/grpc."), [:])
                return
            }
            stream.call.headers.succeed(metadata)
        } else {
            finishWithTrailers(stream, streamID, stream.trailerFields)
        }
    }

    private func finishWithTrailers(_ stream: ClientStreamState, _ streamID: Int32, _ fields: [(String, String)]) {
        var code: Int?
        var message = ""
        var metadata = Metadata()
        for (name, value) in fields {
            switch name {
            case "grpc-status": code = Int(value)
            case "grpc-message": message = PercentEncoding.decode(value)
            default:
                if !name.hasPrefix(":") && !name.hasPrefix("grpc-") && name != "content-type" {
                    metadata.addWire(key: name, value: value)
                }
            }
        }
        guard let code, let status = StatusCode(rawValue: code) else {
            finish(stream, streamID, RPCError(code: .internal, message: "The server ended the call without a valid grpc-status."), metadata)
            return
        }
        if status == .ok && stream.deframer.hasPartialMessage {
            finish(stream, streamID, RPCError(code: .internal, message: "The response ended in the middle of a message."), metadata)
            return
        }
        finish(stream, streamID, status == .ok ? nil : RPCError(code: status, message: message, metadata: metadata), metadata)
    }

    private func finish(_ stream: ClientStreamState, _ streamID: Int32, _ error: RPCError?, _ trailers: Metadata) {
        guard !stream.done else { return }
        stream.done = true
        if let timer = stream.deadlineTimer { loop.cancelTimer(timer) }
        stream.call.finish(error, trailers: trailers)
    }

    func sessionData(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        session.consumeConnection(count: bytes.count)
        guard let stream = streams[streamID], !stream.done else {
            session.consume(streamID: streamID, count: bytes.count)
            return
        }
        stream.deframer.append(bytes)
        do {
            while let message = try stream.deframer.next() { stream.call.inbox.push(message) }
        } catch {
            session.consume(streamID: streamID, count: bytes.count)
            let rpcError = RPCError(wrapping: error)
            finish(stream, streamID, rpcError, [:])
            session.resetStream(streamID: streamID, errorCode: 8)
            loop.scheduleFlush(self)
            return
        }
        if stream.call.inbox.withholdIfFull(bytes.count) { return }
        session.consume(streamID: streamID, count: bytes.count)
    }

    /// Gives back window the caller has consumed.
    func credit(streamID: Int32, count: Int) {
        guard state == .ready || state == .draining, streams[streamID] != nil else { return }
        session.consume(streamID: streamID, count: count)
        loop.scheduleFlush(self)
    }

    func sessionDataEndStream(streamID: Int32) {
        guard let stream = streams[streamID], !stream.done else { return }
        finish(stream, streamID, RPCError(code: .internal, message: "The server ended the stream without trailers."), [:])
    }

    func sessionStreamClosed(streamID: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        if !stream.done {
            let error: RPCError
            switch errorCode {
            case 7:
                stream.call.notSent.store(true, ordering: .relaxed)
                error = RPCError(code: .unavailable, message: "The server refused the stream (it is shutting down or overloaded).")
            case 8: error = RPCError(code: .cancelled, message: "The server cancelled the call.")
            default: error = RPCError(code: .unavailable, message: "The stream was reset by the server (HTTP/2 error \(errorCode)).")
            }
            finish(stream, streamID, error, [:])
        }
        if let timer = stream.deadlineTimer { loop.cancelTimer(timer) }
        if state == .draining && streams.isEmpty { loop.scheduleFlush(self) }
    }

    func sessionReadData(streamID: Int32, into buffer: UnsafeMutableRawBufferPointer) -> HTTP2DataReadResult {
        guard let stream = streams[streamID] else { return .end(count: 0, trailers: nil) }
        return stream.call.outbox.read(into: buffer)
    }

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {
        if state == .ready {
            state = .draining
            onStateChange?(self, .draining, nil)
        }
    }

    func sessionPingAck() {
        pingOutstanding = false
        lastActivity = .now
    }
}
