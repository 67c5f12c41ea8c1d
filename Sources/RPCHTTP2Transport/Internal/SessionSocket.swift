internal import Glibc
internal import NGHTTP2

/// The socket side of one HTTP/2 connection, shared by server and client connections: reads
/// into the session, writes what the session serializes, and applies back-pressure.
///
/// Reading stops (EPOLLIN is dropped) while more than `writeLimit` encoded bytes wait to be
/// written, so a peer that sends but never reads cannot grow our memory; it resumes once the
/// buffer has drained. Loop thread only.
struct SessionSocket: ~Copyable {
    /// What a read or flush ended with.
    enum Outcome {
        /// Done for now.
        case ok
        /// The peer closed the connection.
        case closedByPeer
        /// A socket error, with errno's text.
        case socketError(String)
        /// nghttp2 rejected the input or failed to serialize (a protocol error).
        case protocolError(any Error)
    }

    /// The socket; -1 until a client's connect has started.
    private(set) var fd: Int32
    unowned let loop: EventLoop
    let writeLimit: Int
    private let readBuffer: UnsafeMutableRawBufferPointer
    private var writeBuffer: [UInt8] = []
    private var writeOffset = 0
    private var watchingWritable: Bool
    private var readPaused = false

    /// - Parameter watchingWritable: whether the fd is registered with EPOLLOUT already.
    init(fd: Int32, loop: EventLoop, writeLimit: Int, watchingWritable: Bool = false) {
        self.fd = fd
        self.loop = loop
        self.writeLimit = writeLimit
        self.watchingWritable = watchingWritable
        readBuffer = .allocate(byteCount: 64 << 10, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    /// Sets the socket once a client has started connecting (registered with EPOLLOUT).
    mutating func attach(fd: Int32) {
        self.fd = fd
        watchingWritable = true
    }

    /// Whether encoded bytes still wait for the socket.
    var hasPendingWrites: Bool { writeOffset < writeBuffer.count }

    /// Reads what the socket has (up to 256 KiB) into `session`. Does nothing, and pauses
    /// reading, while the write buffer is over its limit.
    /// - Parameter onData: called after each chunk that reached the session.
    mutating func read(into session: HTTP2Session, onData: () -> Void) -> Outcome {
        if writeBuffer.count - writeOffset > writeLimit {
            readPaused = true
            watchingWritable = true
            loop.setInterest(fd: fd, readable: false, writable: true)
            return .ok
        }
        for _ in 0..<4 {
            let n = recv(fd, readBuffer.baseAddress, readBuffer.count, 0)
            if n > 0 {
                onData()
                do {
                    try session.receive(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                } catch {
                    return .protocolError(error)
                }
                if n < readBuffer.count { return .ok }
            } else if n == 0 {
                return .closedByPeer
            } else {
                if errno == EAGAIN || errno == EINTR { return .ok }
                return .socketError(String(cString: strerror(errno)))
            }
        }
        return .ok
    }

    /// Serializes the session's pending frames and writes as much as the socket takes, with
    /// one `send` per buffer of frames, then updates the fd's interests.
    /// - Parameter afterSerializing: called each time frames were serialized; returning true
    ///   asks for another serialization pass (frames it queued go out in this flush).
    mutating func flush(_ session: HTTP2Session, afterSerializing: () -> Bool = { false }) -> Outcome {
        while true {
            if writeOffset == writeBuffer.count {
                writeBuffer.removeAll(keepingCapacity: writeBuffer.capacity <= 1 << 20)
                writeOffset = 0
                do {
                    try session.send(into: &writeBuffer, limit: writeLimit)
                    if afterSerializing() { try session.send(into: &writeBuffer, limit: writeLimit) }
                } catch {
                    return .protocolError(error)
                }
                if writeBuffer.isEmpty { break }
            }
            let n = writeBuffer.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + writeOffset, raw.count - writeOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                writeOffset += n
            } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                break
            } else {
                return .socketError(String(cString: strerror(errno)))
            }
        }
        let pending = hasPendingWrites
        if readPaused && !pending {
            readPaused = false
            watchingWritable = false
            loop.setInterest(fd: fd, readable: true, writable: false)
        } else if pending != watchingWritable && !readPaused {
            watchingWritable = pending
            loop.setWritable(fd: fd, pending)
        }
        return .ok
    }
}
