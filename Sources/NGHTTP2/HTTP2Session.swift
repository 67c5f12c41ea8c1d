internal import CNGHTTP2

/// What a session reports while it parses frames. All calls happen on the thread that
/// drives the session (inside `receive(_:)` or `send(into:)`).
public protocol HTTP2SessionDelegate: AnyObject {
    /// A HEADERS frame started on `streamID` (request headers, response headers or trailers).
    func sessionBeginHeaders(streamID: Int32)
    /// One header field of the block being received; the buffers are valid during the call only.
    func sessionHeader(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>)
    /// A complete header block arrived.
    func sessionHeadersComplete(streamID: Int32, category: HTTP2HeadersCategory, endStream: Bool)
    /// A chunk of DATA payload arrived.
    func sessionData(streamID: Int32, bytes: UnsafeRawBufferPointer)
    /// A DATA frame with END_STREAM arrived (the chunks came before).
    func sessionDataEndStream(streamID: Int32)
    /// A stream was closed; `errorCode` is 0 for a clean close, otherwise the RST_STREAM code.
    func sessionStreamClosed(streamID: Int32, errorCode: UInt32)
    /// The session asks for outbound DATA of `streamID`.
    func sessionReadData(streamID: Int32, into buffer: UnsafeMutableRawBufferPointer) -> HTTP2DataReadResult
    /// A GOAWAY frame arrived.
    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32)
    /// A PING acknowledgement arrived.
    func sessionPingAck()
}

/// What kind of header block arrived.
public enum HTTP2HeadersCategory: Sendable {
    case request
    case response
    case trailers
    case other
}

/// The answer to `sessionReadData`.
public enum HTTP2DataReadResult {
    /// `count` bytes were written; more may follow.
    case bytes(Int)
    /// `count` bytes were written and the body is complete. With `trailers`, they are sent
    /// after the DATA (and carry END_STREAM); without, END_STREAM goes on the DATA frame.
    case end(count: Int, trailers: [(String, String)]?)
    /// No data now; call `resumeData(streamID:)` when there is.
    case deferred
}

/// An error from nghttp2.
public struct NGHTTP2Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// The nghttp2 error code (negative).
    public let code: Int32
    /// What was being done.
    public let operation: String

    init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var description: String {
        "\(operation): \(String(cString: nghttp2_strerror(code)))"
    }
}

/// Settings a session announces to its peer.
public struct HTTP2Settings: Sendable {
    /// SETTINGS_MAX_CONCURRENT_STREAMS.
    public var maxConcurrentStreams: UInt32 = 1000
    /// SETTINGS_INITIAL_WINDOW_SIZE: the per-stream receive window.
    public var initialStreamWindow: UInt32 = 1 << 20
    /// The connection-level receive window.
    public var connectionWindow: Int32 = 16 << 20
    /// SETTINGS_MAX_HEADER_LIST_SIZE.
    public var maxHeaderListSize: UInt32 = 16 << 10

    /// Default settings.
    public init() {}
}

/// One HTTP/2 session (client or server side) over nghttp2. It owns no socket: bytes go
/// in through `receive(_:)` and come out through `send(into:)`.
///
/// Not thread-safe: one thread drives it. Stream-level flow control is manual: call
/// `consume(streamID:count:)` once the application has taken delivered DATA bytes.
public final class HTTP2Session {
    private var session: OpaquePointer?
    /// Receives the session's events; it must outlive the session.
    public unowned(unsafe) let delegate: any HTTP2SessionDelegate

    /// Creates a server or client session and queues its SETTINGS.
    /// - Throws: `NGHTTP2Error` when nghttp2 cannot create the session.
    public init(server: Bool, delegate: any HTTP2SessionDelegate, settings: HTTP2Settings = HTTP2Settings()) throws {
        self.delegate = delegate
        var callbacks: OpaquePointer?
        precondition(nghttp2_session_callbacks_new(&callbacks) == 0, "out of memory")
        defer { nghttp2_session_callbacks_del(callbacks) }
        Self.installCallbacks(callbacks)
        var option: OpaquePointer?
        precondition(nghttp2_option_new(&option) == 0, "out of memory")
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_no_closed_streams(option, 1)
        nghttp2_option_set_max_outbound_ack(option, 1000)
        let userData = Unmanaged.passUnretained(self).toOpaque()
        let rv =
            server
            ? nghttp2_session_server_new2(&session, callbacks, userData, option)
            : nghttp2_session_client_new2(&session, callbacks, userData, option)
        guard rv == 0 else { throw NGHTTP2Error(code: rv, operation: "nghttp2_session_new") }
        var entries = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: settings.maxConcurrentStreams),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: settings.initialStreamWindow),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: settings.maxHeaderListSize),
        ]
        if !server { entries.removeFirst() }
        try check(nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count), "submit SETTINGS")
        try check(nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, settings.connectionWindow), "set window")
    }

    deinit { nghttp2_session_del(session) }

    private func check(_ rv: Int32, _ operation: String) throws {
        if rv != 0 { throw NGHTTP2Error(code: rv, operation: operation) }
    }

    // MARK: Input and output

    /// Parses received bytes and reports them to the delegate.
    /// - Throws: `NGHTTP2Error` on a protocol error that ends the connection (a bad
    ///   preface, for example); queued GOAWAY frames should still be sent.
    public func receive(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        let rv = nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        if rv < 0 { throw NGHTTP2Error(code: Int32(rv), operation: "receive") }
    }

    /// Serializes pending frames and appends them to `buffer`, stopping once it holds more
    /// than `limit` bytes (the rest stays queued in nghttp2).
    /// - Throws: `NGHTTP2Error` on a fatal session error.
    public func send(into buffer: inout [UInt8], limit: Int = 1 << 20) throws {
        while buffer.count < limit {
            var data: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &data)
            if n < 0 { throw NGHTTP2Error(code: Int32(n), operation: "send") }
            guard n > 0, let data else { return }
            buffer.append(contentsOf: UnsafeBufferPointer(start: data, count: n))
        }
    }

    /// Whether the session still wants to read.
    public var wantsRead: Bool { nghttp2_session_want_read(session) != 0 }
    /// Whether the session has frames to write.
    public var wantsWrite: Bool { nghttp2_session_want_write(session) != 0 }

    // MARK: Submitting frames

    /// Sends response (or, for a client, request) HEADERS without a body provider; with
    /// `endStream` the block carries END_STREAM (a gRPC trailers-only response).
    public func submitHeaders(streamID: Int32, headers: [(String, String)], endStream: Bool) throws {
        let flags = endStream ? UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) : UInt8(NGHTTP2_FLAG_NONE.rawValue)
        let rv = withNameValues(headers) { nva, count in
            nghttp2_submit_headers(session, flags, streamID, nil, nva, count, nil)
        }
        if rv < 0 { throw NGHTTP2Error(code: rv, operation: "submit HEADERS") }
    }

    /// Sends response HEADERS whose body is pulled through `sessionReadData`.
    public func submitResponse(streamID: Int32, headers: [(String, String)]) throws {
        var provider = Self.dataProvider()
        let rv = withNameValues(headers) { nva, count in
            nghttp2_submit_response(session, streamID, nva, count, &provider)
        }
        try check(rv, "submit response")
    }

    /// Starts a request whose body is pulled through `sessionReadData`.
    /// - Returns: the new stream's id.
    public func submitRequest(headers: [(String, String)]) throws -> Int32 {
        var provider = Self.dataProvider()
        let rv = withNameValues(headers) { nva, count in
            nghttp2_submit_request(session, nil, nva, count, &provider, nil)
        }
        if rv < 0 { throw NGHTTP2Error(code: rv, operation: "submit request") }
        return rv
    }

    /// Resets a stream (RST_STREAM) with an HTTP/2 error code, e.g. 8 (CANCEL).
    public func resetStream(streamID: Int32, errorCode: UInt32) {
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode)
    }

    /// Tells the session that a deferred stream has data again.
    public func resumeData(streamID: Int32) { _ = nghttp2_session_resume_data(session, streamID) }

    /// Gives back receive window: the application has consumed `count` bytes of `streamID`.
    public func consume(streamID: Int32, count: Int) {
        guard count > 0 else { return }
        _ = nghttp2_session_consume_stream(session, streamID, count)
    }

    /// Gives back connection-level receive window.
    public func consumeConnection(count: Int) {
        guard count > 0 else { return }
        _ = nghttp2_session_consume_connection(session, count)
    }

    /// Sends a PING (keepalive).
    public func submitPing() { _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil) }

    /// First step of a graceful shutdown: a GOAWAY with the maximum stream id, so the peer
    /// stops opening streams while the ones in flight finish.
    public func submitShutdownNotice() { _ = nghttp2_submit_shutdown_notice(session) }

    /// Sends the final GOAWAY naming the last stream processed.
    public func submitGoAway(errorCode: UInt32 = 0, message: String = "") {
        let last = nghttp2_session_get_last_proc_stream_id(session)
        var bytes = Array(message.utf8)
        _ = nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, errorCode, &bytes, bytes.count)
    }

    /// Ends the session with a GOAWAY carrying `errorCode` (no further frames are processed).
    public func terminate(errorCode: UInt32) { _ = nghttp2_session_terminate_session(session, errorCode) }

    // MARK: C plumbing

    private static func dataProvider() -> nghttp2_data_provider {
        var provider = nghttp2_data_provider()
        provider.read_callback = { session, streamID, buf, length, flags, _, userData in
            let this = HTTP2Session.from(userData)
            let buffer = UnsafeMutableRawBufferPointer(start: buf, count: length)
            switch this.delegate.sessionReadData(streamID: streamID, into: buffer) {
            case .bytes(let count):
                return count
            case .deferred:
                return Int(NGHTTP2_ERR_DEFERRED.rawValue)
            case .end(let count, let trailers):
                flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
                if let trailers {
                    flags!.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                    let rv = withNameValues(trailers) { nva, n in nghttp2_submit_trailer(session, streamID, nva, n) }
                    if rv != 0 { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
                }
                return count
            }
        }
        return provider
    }

    fileprivate static func from(_ userData: UnsafeMutableRawPointer?) -> HTTP2Session {
        Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    }

    private static func installCallbacks(_ callbacks: OpaquePointer?) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            guard let frame else { return 0 }
            HTTP2Session.from(userData).delegate.sessionBeginHeaders(streamID: frame.pointee.hd.stream_id)
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let name, let value else { return 0 }
            HTTP2Session.from(userData).delegate.sessionHeader(
                streamID: frame.pointee.hd.stream_id,
                name: UnsafeBufferPointer(start: name, count: nameLength),
                value: UnsafeBufferPointer(start: value, count: valueLength)
            )
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame else { return 0 }
            let this = HTTP2Session.from(userData)
            let hd = frame.pointee.hd
            let endStream = hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            switch UInt32(hd.type) {
            case NGHTTP2_HEADERS.rawValue:
                let category: HTTP2HeadersCategory
                switch frame.pointee.headers.cat {
                case NGHTTP2_HCAT_REQUEST: category = .request
                case NGHTTP2_HCAT_RESPONSE: category = .response
                case NGHTTP2_HCAT_HEADERS: category = .trailers
                default: category = .other
                }
                this.delegate.sessionHeadersComplete(streamID: hd.stream_id, category: category, endStream: endStream)
            case NGHTTP2_DATA.rawValue:
                if endStream { this.delegate.sessionDataEndStream(streamID: hd.stream_id) }
            case NGHTTP2_GOAWAY.rawValue:
                this.delegate.sessionGoAway(lastStreamID: frame.pointee.goaway.last_stream_id, errorCode: frame.pointee.goaway.error_code)
            case NGHTTP2_PING.rawValue:
                if hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 { this.delegate.sessionPingAck() }
            default:
                break
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            let this = HTTP2Session.from(userData)
            this.delegate.sessionData(streamID: streamID, bytes: UnsafeRawBufferPointer(start: data, count: length))
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            HTTP2Session.from(userData).delegate.sessionStreamClosed(streamID: streamID, errorCode: errorCode)
            return 0
        }
    }
}

/// Builds an `nghttp2_nv` array over one contiguous copy of the names and values, on the
/// stack (nghttp2 copies them during the submit call).
private func withNameValues<R>(_ headers: [(String, String)], _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
    var total = 1
    for (name, value) in headers { total += name.utf8.count + value.utf8.count }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { storage in
        withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(1, headers.count)) { nva in
            var offset = 0
            for (index, (name, value)) in headers.enumerated() {
                let nameStart = offset
                for byte in name.utf8 {
                    storage[offset] = byte
                    offset += 1
                }
                let valueStart = offset
                for byte in value.utf8 {
                    storage[offset] = byte
                    offset += 1
                }
                let base = storage.baseAddress!
                nva[index] = nghttp2_nv(
                    name: base + nameStart, value: base + valueStart, namelen: valueStart - nameStart,
                    valuelen: offset - valueStart, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)
                )
            }
            return body(UnsafePointer(nva.baseAddress!), headers.count)
        }
    }
}
