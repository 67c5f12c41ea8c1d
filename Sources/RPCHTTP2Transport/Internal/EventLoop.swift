internal import CLinux
internal import Glibc
internal import Synchronization

/// Something an event loop watches: a socket that becomes readable or writable.
protocol EventLoopHandler: AnyObject {
    func handleReadable()
    func handleWritable()
    /// Called at the end of each loop iteration when the handler asked for it.
    func flush()
}

/// One thread that owns sockets and HTTP/2 sessions: epoll for I/O, an eventfd for jobs
/// submitted from other threads, and timers.
///
/// Everything registered with a loop is touched only on its thread. Other threads reach it
/// through `execute(_:)`.
final class EventLoop: @unchecked Sendable {
    // @unchecked Sendable: `handlers`, `timers` and `pendingFlush` are only touched on the
    // loop thread; `jobs` is guarded by its Mutex; the fds never change after init.
    let name: String
    private let epollFD: Int32
    private let wakeFD: Int32
    private let jobs = Mutex<(queue: [@Sendable () -> Void], stopping: Bool)>(([], false))
    private var handlers: [Int32: any EventLoopHandler] = [:]
    private var pendingFlush: [any EventLoopHandler] = []
    private var timers = TimerHeap()

    init(name: String) {
        self.name = name
        epollFD = CLinux_epoll_create()
        wakeFD = CLinux_eventfd()
        precondition(epollFD >= 0 && wakeFD >= 0, "epoll/eventfd: \(errno)")
        precondition(CLinux_epoll_ctl(epollFD, 1, wakeFD, CLinux_EPOLLIN) == 0)
    }

    deinit {
        close(epollFD)
        close(wakeFD)
    }

    /// Starts the loop on a new thread; `onExit` runs on that thread after the loop ends.
    func start(onExit: @escaping @Sendable () -> Void) {
        let threadName = String(name.prefix(15))
        let body: @Sendable () -> Void = { [self] in
            CLinux_set_thread_name(threadName)
            run()
            onExit()
        }
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 1 << 20)
        var thread = pthread_t()
        let rv = pthread_create(&thread, &attributes, { context in
            let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        precondition(rv == 0, "pthread_create: \(rv)")
        pthread_detach(thread)
    }

    /// Runs `job` on the loop thread soon.
    func execute(_ job: @escaping @Sendable () -> Void) {
        let accepted = jobs.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.queue.append(job)
            return state.queue.count == 1
        }
        if accepted { wake() }
    }

    /// Asks the loop to exit after running the jobs already queued.
    func stop() {
        jobs.withLock { $0.stopping = true }
        wake()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    // MARK: Loop-thread API

    /// Watches `fd` for input (and output when `writable`).
    func register(fd: Int32, handler: any EventLoopHandler, writable: Bool = false) {
        handlers[fd] = handler
        CLinux_epoll_ctl(epollFD, 1, fd, mask(writable))
    }

    /// Changes whether `fd` is watched for output.
    func setWritable(fd: Int32, _ writable: Bool) {
        CLinux_epoll_ctl(epollFD, 3, fd, mask(writable))
    }

    /// Sets both interests of `fd`: with `readable` false the loop stops reporting input
    /// (back-pressure on a peer that sends but does not read).
    func setInterest(fd: Int32, readable: Bool, writable: Bool) {
        let events = (readable ? CLinux_EPOLLIN | CLinux_EPOLLRDHUP : 0) | (writable ? CLinux_EPOLLOUT : 0)
        CLinux_epoll_ctl(epollFD, 3, fd, events)
    }

    /// Stops watching `fd` (the caller closes it).
    func deregister(fd: Int32) {
        handlers[fd] = nil
        CLinux_epoll_ctl(epollFD, 2, fd, 0)
    }

    /// Asks for `handler.flush()` at the end of this iteration (once, however often asked).
    func scheduleFlush(_ handler: any EventLoopHandler) {
        if !pendingFlush.contains(where: { $0 === handler }) { pendingFlush.append(handler) }
    }

    /// Runs `job` on the loop at `deadline`.
    /// - Returns: an id for `cancelTimer(_:)`.
    @discardableResult
    func schedule(at deadline: ContinuousClock.Instant, _ job: @escaping () -> Void) -> UInt64 {
        timers.insert(deadline: deadline, job: job)
    }

    /// Cancels a timer that has not fired.
    func cancelTimer(_ id: UInt64) { timers.cancel(id) }

    private func mask(_ writable: Bool) -> UInt32 {
        CLinux_EPOLLIN | CLinux_EPOLLRDHUP | (writable ? CLinux_EPOLLOUT : 0)
    }

    private func run() {
        var fds = [Int32](repeating: 0, count: 128)
        var masks = [UInt32](repeating: 0, count: 128)
        while true {
            let timeout = nextTimeoutMilliseconds()
            let n = CLinux_epoll_wait(epollFD, &fds, &masks, 128, timeout)
            if n < 0 && errno != EINTR { fatalError("epoll_wait: \(errno)") }
            for i in 0..<max(0, Int(n)) {
                let fd = fds[i]
                let flags = masks[i]
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    continue
                }
                if flags & CLinux_EPOLLOUT != 0, let handler = handlers[fd] { handler.handleWritable() }
                if flags & (CLinux_EPOLLIN | CLinux_EPOLLERR | CLinux_EPOLLHUP | CLinux_EPOLLRDHUP) != 0,
                    let handler = handlers[fd]
                {
                    handler.handleReadable()
                }
            }
            let (queued, stopping) = jobs.withLock { state in
                let queued = state.queue
                state.queue.removeAll(keepingCapacity: true)
                return (queued, state.stopping)
            }
            for job in queued { job() }
            runDueTimers()
            while !pendingFlush.isEmpty {
                let flushing = pendingFlush
                pendingFlush.removeAll(keepingCapacity: true)
                for handler in flushing { handler.flush() }
            }
            if stopping && jobs.withLock({ $0.queue.isEmpty }) { break }
        }
    }

    private func nextTimeoutMilliseconds() -> Int32 {
        if jobs.withLock({ !$0.queue.isEmpty }) { return 0 }
        guard let next = timers.nextDeadline else { return -1 }
        let remaining = next - ContinuousClock.now
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }

    private func runDueTimers() {
        let now = ContinuousClock.now
        while let job = timers.popDue(now: now) { job() }
    }
}

/// A loop runs Swift tasks that prefer it (`withTaskExecutorPreference`) between its I/O:
/// a task that awaits a call of a channel on this loop is resumed by the loop itself, with no
/// other thread woken.
extension EventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        execute { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }
    }
}

/// A group of event loops, one per core by default.
public final class EventLoopGroup: Sendable {
    let loops: [EventLoop]
    private let next = Atomic<Int>(0)

    init(count: Int, name: String) {
        loops = (0..<max(1, count)).map { EventLoop(name: "\(name)-\($0)") }
    }

    /// The loops in turn.
    func nextLoop() -> EventLoop {
        loops[next.add(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// The default loop count: the number of cores this process may run on.
    public static var defaultCount: Int { Int(CLinux_cpu_count()) }
}

/// The closure a loop thread runs, boxed to cross `pthread_create`.
private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
