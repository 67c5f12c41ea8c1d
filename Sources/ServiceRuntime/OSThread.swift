internal import Glibc

/// Starts POSIX threads for blocking work (C event loops, accept loops), so it never runs
/// on Swift's cooperative pool. Without Foundation, which the services do not link.
public enum OSThread {
    /// Runs `body` on a new detached thread.
    public static func detach(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ThreadBody(name: name, body)).toOpaque()
        var thread = pthread_t()
        let rv = pthread_create(&thread, nil, { box in
            let body = Unmanaged<ThreadBody>.fromOpaque(box!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        precondition(rv == 0, "pthread_create: \(rv)")
        pthread_detach(thread)
    }
}

/// The closure a thread runs, boxed to cross `pthread_create`.
private final class ThreadBody {
    /// For debuggers and crash reports (the thread is not renamed: glibc's
    /// `pthread_setname_np` is not visible to Swift here).
    let name: String
    let run: @Sendable () -> Void

    init(name: String, _ run: @escaping @Sendable () -> Void) {
        self.name = name
        self.run = run
    }
}
