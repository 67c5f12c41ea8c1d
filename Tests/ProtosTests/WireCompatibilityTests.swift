import Protos
import RPCCore
import Testing

/// Byte compatibility with the C++ reference implementation (Debian's `protoc`), which
/// Python protobuf and grpcio match.
@Suite("Wire compatibility with protoc")
struct WireCompatibilityTests {
    @Test("Swift serializes every field kind to the bytes protoc encodes")
    func everyFieldEncodesLikeProtoc() throws {
        let reference = try Protoc.encode(
            Fixtures.everyFieldText,
            messageName: "voiceshop.testing.v1.FieldKinds",
            file: "testing/v1/fields.proto"
        )
        #expect(Fixtures.everyField.serializedBytes() == reference)
        #expect(try TestingV1.FieldKinds(serializedBytes: reference) == Fixtures.everyField)
    }

    @Test("protoc reads what Swift writes")
    func protocDecodesSwift() throws {
        let message = NLUV1.ParseResponse(
            intent: .orderStatus,
            confidence: 0.5,
            filters: .init(priceMin: 10, priceMax: 20.5),
            quantity: 2,
            orderID: "1042",
            correctedText: "wo ist meine bestellung — ärger",
            productIDs: ["a", "b"]
        )
        let text = try Protoc.decode(
            message.serializedBytes(), messageName: "voiceshop.nlu.v1.ParseResponse", file: "nlu/v1/nlu.proto")
        #expect(text.contains("intent: INTENT_ORDER_STATUS"))
        #expect(text.contains("price_max: 20.5"))
        #expect(text.contains("order_id: \"1042\""))
        #expect(text.contains("product_ids: \"b\""))
        // Re-encoding protoc's reading gives Swift's bytes back.
        let again = try Protoc.encode(text, messageName: "voiceshop.nlu.v1.ParseResponse", file: "nlu/v1/nlu.proto")
        #expect(again == message.serializedBytes())
    }

    @Test("Each oneof member encodes like protoc, including default values")
    func oneofs() throws {
        let cases: [(String, TestingV1.FieldKinds.Choice)] = [
            (#"c_string: """#, .cString("")),
            ("c_int64: 0", .cInt64(0)),
            ("c_inner {}", .cInner(.init())),
            (#"c_bytes: """#, .cBytes([])),
            ("c_level: LEVEL_UNSPECIFIED", .cLevel(.unspecified)),
            ("c_bool: false", .cBool(false)),
            ("c_level: -1", .cLevel(.negative)),
        ]
        for (text, choice) in cases {
            let reference = try Protoc.encode(
                text, messageName: "voiceshop.testing.v1.FieldKinds", file: "testing/v1/fields.proto")
            let message = TestingV1.FieldKinds(choice: choice)
            #expect(message.serializedBytes() == reference, "\(text)")
            #expect(try TestingV1.FieldKinds(serializedBytes: reference).choice == choice, "\(text)")
        }
    }

    @Test("A 100-byte Echo request matches the benchmark anchors' bench.EchoRequest")
    func echo() throws {
        let payload = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        let hundred = (0..<100).map { payload[$0 % payload.count] }
        let bytes = TestingV1.EchoRequest(payload: hundred).serializedBytes()
        #expect(bytes == [0x0A, 100] + hundred)
        let reference = try Protoc.encode(
            "payload: \"\(String(decoding: hundred, as: UTF8.self))\"",
            messageName: "voiceshop.testing.v1.EchoRequest",
            file: "testing/v1/testing.proto"
        )
        #expect(bytes == reference)
    }

    @Test("Health check messages match the standard grpc.health.v1 encoding")
    func health() throws {
        let response = HealthV1.HealthCheckResponse(status: .notServing)
        #expect(response.serializedBytes() == [0x08, 0x02])
        let reference = try Protoc.encode(
            #"service: "voiceshop.rec.v1.Rec""#,
            messageName: "grpc.health.v1.HealthCheckRequest",
            file: "grpc/health/v1/health.proto"
        )
        #expect(HealthV1.HealthCheckRequest(service: "voiceshop.rec.v1.Rec").serializedBytes() == reference)
    }

    @Test("Swift reads protoc's packed and unpacked repeated fields alike")
    func packedAndUnpacked() throws {
        // r_int32 (field 35) as three unpacked varints, then as one packed run.
        let unpacked: [UInt8] = [0x98, 0x02, 0x01, 0x98, 0x02, 0x02, 0x98, 0x02, 0x03]
        let packed: [UInt8] = [0x9A, 0x02, 0x03, 0x01, 0x02, 0x03]
        #expect(try TestingV1.FieldKinds(serializedBytes: unpacked).rInt32 == [1, 2, 3])
        #expect(try TestingV1.FieldKinds(serializedBytes: packed).rInt32 == [1, 2, 3])
        #expect(TestingV1.FieldKinds(rInt32: [1, 2, 3]).serializedBytes() == packed)
    }
}
