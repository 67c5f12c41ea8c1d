import Protos
import RPCCore
import Testing

@Suite("Message round trips through protobuf-c")
struct MessageRoundTripTests {
    private func roundTrip<Message: ProtoMessage & Equatable>(_ message: Message) throws -> Message {
        try Message(serializedBytes: message.serializedBytes())
    }

    @Test("A default message serializes to no bytes and decodes from none")
    func defaults() throws {
        #expect(TestingV1.FieldKinds().serializedBytes() == [])
        #expect(try TestingV1.FieldKinds(serializedBytes: []) == TestingV1.FieldKinds())
        #expect(try NLUV1.ParseResponse(serializedBytes: []) == NLUV1.ParseResponse())
        #expect(try TestingV1.StatsRequest(serializedBytes: []) == TestingV1.StatsRequest())
    }

    @Test("Every field kind survives a round trip")
    func everyField() throws {
        let message = Fixtures.everyField
        #expect(try roundTrip(message) == message)
    }

    @Test(
        "Strings: empty, non-ASCII, long",
        arguments: ["", "a", "café", "🛒🛍️👗", "赤いドレス", "Ünïcödé ĉĥàŕś", String(repeating: "long ", count: 20_000)]
    )
    func strings(_ text: String) throws {
        let message = TestingV1.FieldKinds(fString: text, rString: [text, "", text])
        let decoded = try roundTrip(message)
        #expect(decoded.fString == text)
        #expect(decoded.rString == [text, "", text])
    }

    @Test("Bytes: empty, zeros, every byte value, large")
    func bytes() throws {
        for payload: [UInt8] in [[], [0], [0, 0, 0], Array(0...255), [UInt8](repeating: 0xAB, count: 3_000_000)] {
            let message = TestingV1.FieldKinds(fBytes: payload, rBytes: [payload, [], payload])
            let decoded = try roundTrip(message)
            #expect(decoded.fBytes == payload)
            #expect(decoded.rBytes == [payload, [], payload])
        }
    }

    @Test("Integer extremes of every integer kind")
    func integerExtremes() throws {
        var message = TestingV1.FieldKinds()
        for (int64, uint64, int32, uint32) in [
            (Int64.min, UInt64.max, Int32.min, UInt32.max), (Int64.max, UInt64(1), Int32.max, UInt32(1)),
            (Int64(-1), UInt64.max - 1, Int32(-1), UInt32.max - 1),
        ] {
            message.fInt64 = int64
            message.fSint64 = int64
            message.fSfixed64 = int64
            message.fUint64 = uint64
            message.fFixed64 = uint64
            message.fInt32 = int32
            message.fSint32 = int32
            message.fSfixed32 = int32
            message.fUint32 = uint32
            message.fFixed32 = uint32
            message.rInt64 = [int64, 0, int64]
            message.rSint64 = [int64]
            message.rUint64 = [uint64]
            message.rInt32 = [int32]
            message.rSint32 = [int32]
            message.choice = .cInt64(int64)
            #expect(try roundTrip(message) == message)
        }
    }

    @Test("Floats and doubles, including infinities and NaN")
    func floatingPoint() throws {
        let message = TestingV1.FieldKinds(
            fDouble: .pi,
            fFloat: -.pi,
            rDouble: [.infinity, -.infinity, .leastNormalMagnitude, -0.0, 1e300],
            rFloat: [.infinity, .leastNonzeroMagnitude, 3.25]
        )
        #expect(try roundTrip(message) == message)

        let nan = try roundTrip(TestingV1.FieldKinds(fDouble: .nan, fFloat: .nan, rDouble: [.nan]))
        #expect(nan.fDouble.isNaN)
        #expect(nan.fFloat.isNaN)
        #expect(nan.rDouble.count == 1 && nan.rDouble[0].isNaN)
    }

    @Test("Enums keep values the contract does not name (proto3 open enums)")
    func enums() throws {
        let message = TestingV1.FieldKinds(
            fLevel: .unrecognized(12345),
            fColor: .unrecognized(-3),
            rLevel: [.negative, .unrecognized(Int32.max), .unrecognized(Int32.min), .high]
        )
        let decoded = try roundTrip(message)
        #expect(decoded == message)
        #expect(decoded.fLevel.rawValue == 12345)
        #expect(decoded.fLevel.protoName == nil)
        #expect(decoded.rLevel[0] == .negative && decoded.rLevel[0].rawValue == -1)
        #expect(TestingV1.FieldKinds.Level(rawValue: 2) == .high)
        #expect(TestingV1.FieldKinds.Level.high.protoName == "LEVEL_HIGH")
        #expect(TestingV1.FieldKinds.Level.allCases == [.unspecified, .low, .high, .negative])
        #expect(NLUV1.Intent() == .unspecified)
        #expect(RecV1.EventType.return.rawValue == 6)
    }

    @Test(
        "Every oneof member is kept, even with its default value",
        arguments: [
            TestingV1.FieldKinds.Choice.cString(""), .cString("x"), .cInt64(0), .cInt64(.min), .cInner(.init()),
            .cInner(.init(name: "n", leaf: .init(text: "t"))), .cBytes([]), .cBytes([1, 2]), .cLevel(.unspecified),
            .cLevel(.unrecognized(77)), .cBool(false), .cBool(true),
        ]
    )
    func oneof(_ choice: TestingV1.FieldKinds.Choice) throws {
        let message = TestingV1.FieldKinds(fString: "beside", choice: choice)
        let decoded = try roundTrip(message)
        #expect(decoded.choice == choice)
        #expect(decoded.fString == "beside")
    }

    @Test("Oneof member accessors read and select the case")
    func oneofAccessors() {
        var message = TestingV1.FieldKinds()
        #expect(message.choice == nil)
        #expect(message.cString == "")
        #expect(message.cInner == TestingV1.FieldKinds.Inner())
        message.cInt64 = 5
        #expect(message.choice == .cInt64(5))
        message.cString = "now a string"
        #expect(message.choice == .cString("now a string"))
        #expect(message.cInt64 == 0)
    }

    @Test("Nested messages decode and encode on their own (protobuf-c's generic path)")
    func nestedMessages() throws {
        let inner = TestingV1.FieldKinds.Inner(
            name: "x", value: -3, level: .negative, leaf: .init(text: "y", number: 4))
        #expect(try roundTrip(inner) == inner)
        let final = ASRV1.StreamingRecognizeResponse(
            result: .final(.init(alternatives: [.init(transcript: "red dress", confidence: 0.9)], audioSeconds: 1.5))
        )
        #expect(try roundTrip(final) == final)
        #expect(final.final.alternatives.first?.transcript == "red dress")
        #expect(final.partial == ASRV1.PartialResult())
    }

    @Test("The contracts' messages round-trip")
    func contracts() throws {
        let parse = NLUV1.ParseRequest(
            text: "show me red a dentist shoes under fifty dollars",
            alternatives: [.init(transcript: "show me red adidas shoes under fifty dollars", confidence: 0.4)],
            locale: "en-US",
            context: .init(
                sessionID: "s1", userID: "u1", previousProductIDs: ["p1", "p2"], previousIntent: .searchProducts)
        )
        #expect(try roundTrip(parse) == parse)

        let response = NLUV1.ParseResponse(
            intent: .searchProducts,
            confidence: 0.93,
            topIntents: [.init(intent: .searchProducts, confidence: 0.93), .init(intent: .askPrice, confidence: 0.04)],
            slots: [.init(name: "brand", value: "adidas", normalized: "Adidas", start: 12, end: 18)],
            filters: .init(brand: "Adidas", color: "red", priceMax: 50, currency: "USD"),
            sort: .priceAsc,
            correctedText: "show me red adidas shoes under fifty dollars",
            corrections: [.init(from: "a dentist", to: "adidas", entityType: "brand", reason: "phonetic match")],
            lowConfidence: false
        )
        #expect(try roundTrip(response) == response)

        let row = RecV1.ImportProductsRequest(
            options: .init(format: .jsonl, dryRun: true),
            lineNumber: 3,
            row: .text(#"{"sku":"A1","title":"Shirt","price":9.99}"#)
        )
        #expect(try roundTrip(row) == row)
        let order = RecV1.Order(
            id: "1042", status: .shipped, items: [.init(productID: "p", quantity: 2, unitPrice: 19.99)])
        #expect(try roundTrip(order) == order)
    }

    @Test("serialize(into:) appends to what the buffer holds")
    func appends() throws {
        var buffer: [UInt8] = [9, 9]
        let echo = TestingV1.EchoRequest(payload: [1, 2, 3])
        echo.serialize(into: &buffer)
        echo.serialize(into: &buffer)
        #expect(buffer == [9, 9, 0x0A, 3, 1, 2, 3, 0x0A, 3, 1, 2, 3])
    }

    @Test(
        "Garbage bytes throw a malformed error",
        arguments: [
            [0xFF, 0xFF, 0xFF] as [UInt8],  // field number 0 / overlong varint
            [0x08],  // truncated varint
            [0x08, 0x80, 0x80, 0x80],  // unterminated varint
            [0x4A, 0x05, 0x61],  // length beyond the end
            [0x92, 0x01, 0x03, 0x0A, 0x09, 0x61],  // nested message with a length beyond its end
            [0x0F],  // wire type 7
            [0x00],  // field number 0
        ]
    )
    func garbage(_ bytes: [UInt8]) {
        #expect {
            try TestingV1.FieldKinds(serializedBytes: bytes)
        } throws: { error in
            (error as? ProtoDecodingError)?.code == .malformed
        }
    }

    @Test("Strings that are not UTF-8 are rejected, naming the field")
    func invalidUTF8() {
        // f_string (field 9) = C3 28: an invalid two-byte sequence.
        #expect {
            try TestingV1.FieldKinds(serializedBytes: [0x4A, 0x02, 0xC3, 0x28])
        } throws: { error in
            guard let error = error as? ProtoDecodingError else { return false }
            return error.code == .invalidUTF8 && error.message.contains("f_string")
                && error.messageName == "voiceshop.testing.v1.FieldKinds"
        }
        // The same in a string of a repeated message field.
        #expect(throws: ProtoDecodingError.self) {
            try NLUV1.ParseRequest(serializedBytes: [0x12, 0x03, 0x0A, 0x01, 0xFF])
        }
    }

    @Test("Unknown fields are skipped")
    func unknownFields() throws {
        // Field 200 (varint 5) and field 201 (bytes "ab") before f_int32 = 3.
        let bytes: [UInt8] = [0xC0, 0x0C, 0x05, 0xCA, 0x0C, 0x02, 0x61, 0x62, 0x28, 0x03]
        #expect(try TestingV1.FieldKinds(serializedBytes: bytes) == TestingV1.FieldKinds(fInt32: 3))
    }
}
