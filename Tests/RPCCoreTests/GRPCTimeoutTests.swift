import Testing

@testable import RPCCore

@Suite struct GRPCTimeoutTests {
    @Test(arguments: [
        ("1H", Duration.seconds(3600)), ("2M", .seconds(120)), ("30S", .seconds(30)), ("250m", .milliseconds(250)),
        ("7u", .microseconds(7)), ("99999999n", .nanoseconds(99_999_999)), ("0m", .zero),
    ])
    func parsesEveryUnit(text: String, expected: Duration) {
        #expect(GRPCTimeout.parse(text) == expected)
    }

    @Test(arguments: ["", "5", "m", "123456789S", "1.5S", "-1S", "10s", "10 S", "1X"])
    func rejectsMalformedValues(text: String) {
        #expect(GRPCTimeout.parse(text) == nil)
    }

    @Test(arguments: [
        Duration.nanoseconds(1), .microseconds(1500), .milliseconds(250), .seconds(5), .seconds(100_000), .seconds(90_000_000),
    ])
    func formatRoundTripsWithoutShortening(duration: Duration) throws {
        let text = GRPCTimeout.format(duration)
        #expect(text.utf8.count <= 9)
        let parsed = try #require(GRPCTimeout.parse(text))
        #expect(parsed >= duration)
        // Rounding up never adds more than one unit of the chosen precision (at most 0.1%).
        #expect(parsed - duration <= max(duration / 1000, .nanoseconds(1)))
    }

    @Test func formatUsesTheFinestUnitThatFits() {
        #expect(GRPCTimeout.format(.milliseconds(20)) == "20000000n")
        #expect(GRPCTimeout.format(.milliseconds(200)) == "200000u")
        #expect(GRPCTimeout.format(.seconds(120)) == "120000m")
        #expect(GRPCTimeout.format(.seconds(-3)) == "0n")
    }
}

@Suite struct PercentEncodingTests {
    @Test(arguments: ["plain text", "Größe ✓", "line one\nline two", "100% sure", "tab\there", "", "%zz stays"])
    func roundTrips(message: String) {
        let encoded = PercentEncoding.encode(message)
        #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        #expect(PercentEncoding.decode(encoded) == message)
    }

    @Test func encodesTheSpecExamples() {
        #expect(PercentEncoding.encode("a\nb") == "a%0Ab")
        #expect(PercentEncoding.encode("50%") == "50%25")
        #expect(PercentEncoding.encode("é") == "%C3%A9")
    }

    @Test func keepsMalformedEscapes() {
        #expect(PercentEncoding.decode("%4") == "%4")
        #expect(PercentEncoding.decode("%G1x") == "%G1x")
        #expect(PercentEncoding.decode("%41") == "A")
    }
}

@Suite struct StatusMappingTests {
    @Test func httpStatusForEachCode() {
        let expected: [StatusCode: Int] = [
            .ok: 200, .cancelled: 499, .invalidArgument: 400, .deadlineExceeded: 504, .notFound: 404,
            .alreadyExists: 409, .permissionDenied: 403, .resourceExhausted: 429, .failedPrecondition: 400,
            .aborted: 409, .outOfRange: 400, .unimplemented: 501, .internal: 500, .unavailable: 503,
            .dataLoss: 500, .unauthenticated: 401, .unknown: 500,
        ]
        for code in StatusCode.allCases { #expect(code.httpStatus == expected[code], "\(code)") }
    }

    @Test func grpcCodeForHTTPStatusWithoutTrailers() {
        #expect(StatusCode(httpStatus: 400) == .internal)
        #expect(StatusCode(httpStatus: 401) == .unauthenticated)
        #expect(StatusCode(httpStatus: 403) == .permissionDenied)
        #expect(StatusCode(httpStatus: 404) == .unimplemented)
        #expect(StatusCode(httpStatus: 503) == .unavailable)
        #expect(StatusCode(httpStatus: 418) == .unknown)
    }

    @Test func wrappingKeepsRPCErrorsAndMapsCancellation() {
        let original = RPCError(code: .notFound, message: "x")
        #expect(RPCError(wrapping: original) == original)
        #expect(RPCError(wrapping: CancellationError()).code == .cancelled)
    }
}

@Suite struct MetadataTests {
    @Test func binaryValuesTravelAsUnpaddedBase64() {
        var metadata = Metadata()
        metadata.add("X-Trace-Bin", binary: [0, 1, 2, 255])
        metadata.add("x-plain", "v")
        #expect(metadata.wireHeaders.map(\.0) == ["x-trace-bin", "x-plain"])
        #expect(metadata.wireHeaders[0].1 == "AAEC/w")
        var received = Metadata()
        let unpadded = received.addWire(key: "x-trace-bin", value: "AAEC/w")
        let padded = received.addWire(key: "x-trace-bin", value: "AAEC/w==")
        let invalid = received.addWire(key: "x-bad-bin", value: "not*base64")
        #expect(unpadded && padded && !invalid)
        #expect(received.values(for: "x-trace-bin") == [.binary([0, 1, 2, 255]), .binary([0, 1, 2, 255])])
    }

    @Test func requestIDsAreUniqueHex() {
        let ids = (0..<1000).map { _ in RequestID.generate() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.utf8.count == 32 && $0.allSatisfy(\.isHexDigit) })
    }
}
