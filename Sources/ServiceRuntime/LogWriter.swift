internal import Glibc
internal import Synchronization

/// Standard output for log lines, written in batches by a thread of its own, so a service
/// that logs every call does not make a `write(2)` per call on its event loops.
///
/// Lines are appended to a buffer and written within `interval` (10 ms), at once when the
/// buffer passes `flushBytes` (64 KiB), and at `exit()` (an `atexit` handler). Past
/// `maxBytes` (4 MiB: stdout blocked) the caller writes the buffer itself, so memory stays
/// bounded and nothing is dropped. Lines keep their order.
///
/// `@unchecked Sendable`: the buffer is behind a `Mutex`, the wake-up is a POSIX semaphore
/// (thread-safe by contract) whose pointer is written only in `init`.
final class LogWriter: @unchecked Sendable {
    static let shared = LogWriter()
    static let interval: Int = 10_000_000
    static let flushBytes = 64 << 10
    static let maxBytes = 4 << 20

    private let pending = Mutex<[UInt8]>([])
    /// Held while bytes go to the file descriptor, so batches never interleave.
    private let writing = Mutex(())
    private let wakeup: UnsafeMutablePointer<sem_t>
    private let started = Atomic<Bool>(false)

    private init() {
        wakeup = .allocate(capacity: 1)
        sem_init(wakeup, 0, 0)
    }

    /// Queues one line (a complete JSON object and its newline).
    func append(_ line: [UInt8]) {
        if !started.load(ordering: .acquiring) { start() }
        let size = pending.withLock { buffer -> Int in
            buffer.append(contentsOf: line)
            return buffer.count
        }
        if size >= Self.maxBytes {
            flush()
        } else if size >= Self.flushBytes {
            sem_post(wakeup)
        }
    }

    /// Writes everything queued so far.
    func flush() {
        writing.withLock { _ in
            let batch = pending.withLock { buffer -> [UInt8] in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            Self.write(batch)
        }
    }

    private func start() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        atexit { LogWriter.shared.flush() }
        OSThread.detach(name: "log-writer") { [self] in
            while true {
                var deadline = timespec()
                clock_gettime(CLOCK_REALTIME, &deadline)
                deadline.tv_nsec += Self.interval
                if deadline.tv_nsec >= 1_000_000_000 {
                    deadline.tv_sec += 1
                    deadline.tv_nsec -= 1_000_000_000
                }
                _ = sem_timedwait(wakeup, &deadline)
                flush()
            }
        }
    }

    private static func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
