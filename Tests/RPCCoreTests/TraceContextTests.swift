import RPCCore
import Testing

@Suite struct TraceContextTests {
    @Test func continuesAValidTraceWithANewSpan() {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let trace = TraceContext(continuing: header)
        #expect(trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(trace.parentSpanID == "00f067aa0ba902b7")
        #expect(trace.spanID.count == 16 && trace.spanID != "00f067aa0ba902b7")
        #expect(trace.traceParent == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(trace.spanID)-01")
        #expect(TraceContext(continuing: header).spanID != trace.spanID)
    }

    @Test(arguments: [
        nil, "", "garbage", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
    ])
    func startsANewTraceOtherwise(header: String?) {
        let trace = TraceContext(continuing: header)
        #expect(trace.parentSpanID == nil)
        #expect(trace.traceID.count == 32 && trace.flags == "01")
        #expect(TraceContext.parse(trace.traceParent) != nil)
    }
}
