import Postgres
import Testing

@Suite struct LibPQTests {
    @Test func linksLibPQFifteenThreadSafe() {
        #expect(LibPQ.version >= 150_000)
        #expect(LibPQ.isThreadSafe)
    }
}
