import Testing

@testable import RPCCore

@Suite struct StatusCodeTests {
    @Test(arguments: StatusCode.allCases)
    func nameRoundTrips(code: StatusCode) throws {
        #expect(StatusCode(name: code.name) == code)
        #expect(StatusCode(rawValue: code.rawValue) == code)
    }

    @Test func outOfRangeIsRejected() {
        #expect(StatusCode(rawValue: 17) == nil)
        #expect(StatusCode(rawValue: -1) == nil)
    }

    @Test func okIsNeverAnError() {
        #expect(RPCError(code: .ok, message: "x").code == .unknown)
    }
}
