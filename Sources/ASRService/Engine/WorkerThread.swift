internal import Glibc
internal import ServiceRuntime
internal import Synchronization

/// A POSIX thread that runs jobs one after another, so blocking C (pocketsphinx) never runs
/// on Swift's cooperative pool. One per decoder: a decoder is only touched by its thread.
///
/// `@unchecked Sendable`: the job queue is guarded by the `Mutex`, the wake-up by a POSIX
/// semaphore, and the pthread handle is only written in `init`.
final class WorkerThread: @unchecked Sendable {
    private let jobs = Mutex<(queue: [@Sendable () -> Void], stopped: Bool)>(([], false))
    private let wakeup: UnsafeMutablePointer<sem_t>
    let name: String

    init(name: String) {
        self.name = name
        wakeup = .allocate(capacity: 1)
        sem_init(wakeup, 0, 0)
        OSThread.detach(name: name) { [self] in loop() }
    }

    deinit {
        sem_destroy(wakeup)
        wakeup.deallocate()
    }

    private func loop() {
        while true {
            while sem_wait(wakeup) != 0 {}
            let next = jobs.withLock { state -> (@Sendable () -> Void)? in
                state.queue.isEmpty ? nil : state.queue.removeFirst()
            }
            if let next { next() } else if jobs.withLock({ $0.stopped }) { return }
        }
    }

    /// Queues `job`; it runs on this thread after the jobs before it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.queue.append(job) }
        sem_post(wakeup)
    }

    /// Runs `body` on this thread and returns its result.
    func run<Result: Sendable>(_ body: @escaping @Sendable () throws(ASRError) -> Result) async throws(ASRError) -> Result {
        let outcome: Swift.Result<Result, ASRError> = await withCheckedContinuation { continuation in
            submit {
                do throws(ASRError) { continuation.resume(returning: .success(try body())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try outcome.get()
    }

    /// Lets the thread exit once its queued jobs are done.
    func stop() {
        jobs.withLock { $0.stopped = true }
        sem_post(wakeup)
    }

    /// Runs blocking work on a thread of its own (model builds), off the cooperative pool.
    static func detached<Result: Sendable>(
        _ name: String, _ body: @escaping @Sendable () throws(ASRError) -> Result
    ) async throws(ASRError) -> Result {
        let worker = WorkerThread(name: name)
        defer { worker.stop() }
        return try await worker.run(body)
    }
}
