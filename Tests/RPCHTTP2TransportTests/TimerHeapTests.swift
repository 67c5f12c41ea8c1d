import Testing

@testable import RPCHTTP2Transport

@Suite struct TimerHeapTests {
    @Test func firesInDeadlineOrderAndSkipsCancelled() {
        var heap = TimerHeap()
        let base = ContinuousClock.now
        var fired: [Int] = []
        var ids: [UInt64] = []
        for offset in [5, 1, 4, 2, 3, 0] {
            ids.append(heap.insert(deadline: base + .milliseconds(offset)) { fired.append(offset) })
        }
        heap.cancel(ids[2])  // the timer at 4 ms
        heap.cancel(999)  // unknown ids are ignored
        #expect(heap.nextDeadline == base)
        while let job = heap.popDue(now: base + .milliseconds(3)) { job() }
        #expect(fired == [0, 1, 2, 3])
        #expect(heap.count == 1)
        while let job = heap.popDue(now: base + .seconds(1)) { job() }
        #expect(fired == [0, 1, 2, 3, 5])
        #expect(heap.nextDeadline == nil)
    }

    @Test func manyCancelledTimersDoNotAccumulate() {
        var heap = TimerHeap()
        let far = ContinuousClock.now + .seconds(30)
        for _ in 0..<100_000 {
            let id = heap.insert(deadline: far) {}
            heap.cancel(id)
        }
        #expect(heap.count == 0)
        #expect(heap.nextDeadline == nil)
    }
}
