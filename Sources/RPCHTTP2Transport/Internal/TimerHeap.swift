/// Timers of one event loop: a binary min-heap on the deadline.
///
/// Cancelling only removes the job; its slot stays until it reaches the top, and the heap is
/// compacted when more than half of it is cancelled slots, so a high rate of calls with long
/// deadlines that finish early (the common case) costs O(log n) per call and bounded memory.
struct TimerHeap {
    private struct Entry {
        let deadline: ContinuousClock.Instant
        let id: UInt64
    }

    private var heap: [Entry] = []
    private var jobs: [UInt64: () -> Void] = [:]
    private var nextID: UInt64 = 0

    /// Live (not cancelled, not fired) timers.
    var count: Int { jobs.count }

    /// Adds a timer.
    /// - Returns: its id.
    mutating func insert(deadline: ContinuousClock.Instant, job: @escaping () -> Void) -> UInt64 {
        nextID += 1
        jobs[nextID] = job
        heap.append(Entry(deadline: deadline, id: nextID))
        siftUp(heap.count - 1)
        return nextID
    }

    /// Cancels a timer; unknown or fired ids are ignored.
    mutating func cancel(_ id: UInt64) {
        guard jobs.removeValue(forKey: id) != nil else { return }
        if heap.count > 64 && jobs.count < heap.count / 2 { compact() }
    }

    /// The earliest live deadline.
    var nextDeadline: ContinuousClock.Instant? {
        mutating get {
            dropCancelledTop()
            return heap.first?.deadline
        }
    }

    /// Removes and returns the job of the earliest timer due at `now`.
    mutating func popDue(now: ContinuousClock.Instant) -> (() -> Void)? {
        dropCancelledTop()
        guard let top = heap.first, top.deadline <= now else { return nil }
        removeTop()
        return jobs.removeValue(forKey: top.id)
    }

    private mutating func dropCancelledTop() {
        while let top = heap.first, jobs[top.id] == nil { removeTop() }
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func compact() {
        heap.removeAll { jobs[$0.id] == nil }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        heap[a].deadline < heap[b].deadline || (heap[a].deadline == heap[b].deadline && heap[a].id < heap[b].id)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count && less(left + 1, left) { smallest = left + 1 }
            guard less(smallest, parent) else { return }
            heap.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
