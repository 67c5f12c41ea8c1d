import Foundation
import Protos
import RPCCore
import Testing

@Suite("JSON ↔ protobuf through protobuf-c descriptors")
struct ProtoJSONTests {
    /// Parses JSON text for comparisons that do not depend on key order or spacing.
    private func object(_ json: String) throws -> NSDictionary {
        try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary)
    }

    private func json(_ message: some ProtoMessage) throws -> NSDictionary {
        try object(ProtoJSON.string(from: message))
    }

    private func fieldKinds(_ json: String) throws -> TestingV1.FieldKinds {
        try ProtoJSON.message(TestingV1.FieldKinds.self, json: json)
    }

    private func error(_ body: () throws -> Any) -> ProtoJSONError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? ProtoJSONError
        }
    }

    @Test("Output uses lowerCamelCase names; input accepts them and the .proto names")
    func names() throws {
        let filters = NLUV1.Filters(category: "dresses", priceMin: 10, priceMax: 50, ratingMin: 4)
        #expect(try json(filters) == ["category": "dresses", "priceMin": 10, "priceMax": 50, "ratingMin": 4])
        let camel = try ProtoJSON.message(NLUV1.Filters.self, json: #"{"priceMax": 50, "ratingMin": 4}"#)
        let snake = try ProtoJSON.message(NLUV1.Filters.self, json: #"{"price_max": 50, "rating_min": 4}"#)
        #expect(camel == NLUV1.Filters(priceMax: 50, ratingMin: 4))
        #expect(snake == camel)
        #expect(try json(RecV1.GetProductRequest(productID: "p1")) == ["productId": "p1"])
    }

    @Test("Fields with default values are left out")
    func defaults() throws {
        #expect(try ProtoJSON.string(from: TestingV1.FieldKinds()) == "{}")
        #expect(try ProtoJSON.decode([], messageName: "voiceshop.rec.v1.StatsRequest") == "{}")
        #expect(try json(NLUV1.ParseResponse(intent: .unspecified, confidence: 0, lowConfidence: false)) == [:])
        // A set oneof member is printed even when it holds its default value.
        #expect(try json(TestingV1.FieldKinds(choice: .cInt64(0))) == ["cInt64": "0"])
        #expect(try json(TestingV1.FieldKinds(choice: .cInner(.init()))) == ["cInner": [:]])
        // An empty but present message is printed as {}.
        #expect(try json(NLUV1.ParseRequest(context: .init())) == ["context": [:]])
    }

    @Test("64-bit integers are strings on output; strings and numbers are accepted")
    func int64() throws {
        let message = TestingV1.FieldKinds(fInt64: .min, fUint64: .max, fInt32: -5, rInt64: [1, -2])
        #expect(
            try json(message) == [
                "fInt64": "-9223372036854775808", "fUint64": "18446744073709551615", "fInt32": -5,
                "rInt64": ["1", "-2"],
            ]
        )
        let decoded = try fieldKinds(
            #"{"fInt64": "-9223372036854775808", "fUint64": 18446744073709551615, "fSint64": 42, "fFixed64": "7", "fInt32": "12", "rInt64": [1, "2", 3.0, 1e3]}"#
        )
        #expect(decoded.fInt64 == .min)
        #expect(decoded.fUint64 == .max)
        #expect(decoded.fSint64 == 42)
        #expect(decoded.fFixed64 == 7)
        #expect(decoded.fInt32 == 12)
        #expect(decoded.rInt64 == [1, 2, 3, 1000])
        #expect(try fieldKinds(#"{"fInt64": 9223372036854775807}"#).fInt64 == .max)
        #expect(try fieldKinds(#"{"fInt64": -9223372036854775808}"#).fInt64 == .min)
    }

    @Test("Bytes are base64; URL-safe and unpadded input is accepted")
    func bytes() throws {
        let message = TestingV1.FieldKinds(fBytes: [0xFB, 0xFF, 0x00, 0x61], rBytes: [[], [1]])
        #expect(try json(message) == ["fBytes": "+/8AYQ==", "rBytes": ["", "AQ=="]])
        #expect(try fieldKinds(#"{"fBytes": "+/8AYQ=="}"#).fBytes == [0xFB, 0xFF, 0x00, 0x61])
        #expect(try fieldKinds(#"{"fBytes": "-_8AYQ"}"#).fBytes == [0xFB, 0xFF, 0x00, 0x61])
        #expect(try fieldKinds(#"{"f_bytes": ""}"#).fBytes == [])
        let bad = error { try fieldKinds(#"{"fBytes": "not base64!"}"#) }
        #expect(bad?.code == .invalidValue)
        #expect(bad?.path == "fBytes")
    }

    @Test("Enums are names; numbers are accepted and printed when the contract has no name")
    func enums() throws {
        let message = TestingV1.FieldKinds(
            fLevel: .negative, fColor: .unrecognized(42), rLevel: [.high, .unrecognized(9)])
        #expect(try json(message) == ["fLevel": "LEVEL_NEGATIVE", "fColor": 42, "rLevel": ["LEVEL_HIGH", 9]])
        #expect(
            try fieldKinds(#"{"fLevel": "LEVEL_HIGH", "fColor": 2, "rLevel": [-1, "LEVEL_LOW", 77]}"#)
                == TestingV1.FieldKinds(fLevel: .high, fColor: .green, rLevel: [.negative, .low, .unrecognized(77)]))
        let unknown = error { try fieldKinds(#"{"fLevel": "LEVEL_MEDIUM"}"#) }
        #expect(unknown?.code == .invalidValue)
        #expect(unknown?.message.contains("LEVEL_MEDIUM") == true)
        #expect(unknown?.message.contains("LEVEL_HIGH") == true)
        let request = try ProtoJSON.message(
            RecV1.SearchRequest.self, json: #"{"query": "shoes", "sort": "SORT_PRICE_ASC"}"#)
        #expect(request.sort == .priceAsc)
    }

    @Test("Floats print in their shortest form; NaN and infinities are strings")
    func floatingPoint() throws {
        let message = TestingV1.FieldKinds(
            fDouble: 2.5, fFloat: 0.1, rDouble: [.nan, .infinity, -.infinity], rFloat: [1e-3])
        let text = try ProtoJSON.string(from: message)
        #expect(text.contains(#""fFloat":0.1"#))
        #expect(text.contains(#""rDouble":["NaN","Infinity","-Infinity"]"#))
        let decoded = try fieldKinds(#"{"fFloat": "Infinity", "fDouble": "-Infinity", "rDouble": ["NaN", 1.5, "2.5"]}"#)
        #expect(decoded.fFloat == .infinity)
        #expect(decoded.fDouble == -.infinity)
        #expect(decoded.rDouble[0].isNaN && decoded.rDouble[1...] == [1.5, 2.5])
        #expect(error { try fieldKinds(#"{"fFloat": 1e39}"#) }?.code == .invalidValue)
    }

    @Test("Nested and repeated messages")
    func nested() throws {
        let json = #"""
            {"query": "red dress", "filters": {"color": "red", "price_max": 50, "inStockOnly": true},
             "userId": "u1", "pageSize": 20}
            """#
        let request = try ProtoJSON.message(RecV1.SearchRequest.self, json: json)
        #expect(
            request
                == RecV1.SearchRequest(
                    query: "red dress", filters: .init(color: "red", priceMax: 50, inStockOnly: true), userID: "u1",
                    pageSize: 20))

        let response = RecV1.SearchResponse(
            results: [
                .init(
                    product: .init(id: "p1", attributes: [.init(name: "color", value: "red")], price: 19.99), score: 1,
                    why: "match"),
                .init(product: .init(id: "p2"), breakdown: .init(text: 0.5)),
            ],
            totalMatches: 2,
            facets: .init(brands: [.init(value: "Acme", count: 2)])
        )
        #expect(
            try self.json(response) == [
                "results": [
                    [
                        "product": ["id": "p1", "attributes": [["name": "color", "value": "red"]], "price": 19.99],
                        "score": 1, "why": "match",
                    ],
                    ["product": ["id": "p2"], "breakdown": ["text": 0.5]],
                ],
                "totalMatches": 2,
                "facets": ["brands": [["value": "Acme", "count": 2]]],
            ])
        let back = try ProtoJSON.message(RecV1.SearchResponse.self, json: ProtoJSON.string(from: response))
        #expect(back == response)
    }

    @Test("Every field kind survives message → JSON → message")
    func everyFieldRoundTrip() throws {
        let message = Fixtures.everyField
        let text = try ProtoJSON.string(from: message, pretty: true)
        #expect(try ProtoJSON.message(TestingV1.FieldKinds.self, json: text) == message)
        // The generic (descriptor-walking) encoder writes the bytes the generated code writes.
        #expect(
            try ProtoJSON.encode(json: text, messageName: TestingV1.FieldKinds.protoMessageName)
                == message.serializedBytes())
        #expect(
            try ProtoJSON.decode(
                message.serializedBytes(), messageName: TestingV1.FieldKinds.protoMessageName, pretty: true) == text)
    }

    @Test("An unknown field name is an error naming the field")
    func unknownField() {
        let failure = error {
            try ProtoJSON.encode(
                json: #"{"filters": {"colour": "red"}}"#, messageName: "voiceshop.rec.v1.SearchRequest")
        }
        #expect(failure?.code == .unknownField)
        #expect(failure?.path == "filters.colour")
        #expect(failure?.message.contains("\"colour\"") == true)
        #expect(failure?.message.contains("voiceshop.rec.v1.SearchFilters") == true)
        #expect(failure?.message.contains("color") == true)
    }

    @Test(
        "A value of the wrong type is an error naming the field",
        arguments: [
            (#"{"fInt32": "twelve"}"#, "fInt32"),
            (#"{"fInt32": true}"#, "fInt32"),
            (#"{"fString": 5}"#, "fString"),
            (#"{"fBool": 1}"#, "fBool"),
            (#"{"fBool": "true"}"#, "fBool"),
            (#"{"fDouble": "abc"}"#, "fDouble"),
            (#"{"rInt32": 5}"#, "rInt32"),
            (#"{"rString": ["a", 1]}"#, "rString[1]"),
            (#"{"fInner": "x"}"#, "fInner"),
            (#"{"fInner": {"leaf": {"number": []}}}"#, "fInner.leaf.number"),
            (#"{"rInner": [{}, {"value": {}}]}"#, "rInner[1].value"),
            (#"{"fLevel": 1.5}"#, "fLevel"),
            (#"{"fLevel": false}"#, "fLevel"),
        ]
    )
    func wrongType(json: String, path: String) {
        let failure = error { try fieldKinds(json) }
        #expect(failure != nil)
        #expect(failure?.path == path)
        #expect(failure?.code == .wrongType || failure?.code == .invalidValue)
    }

    @Test(
        "Out-of-range numbers are invalid values",
        arguments: [
            #"{"fInt32": 2147483648}"#, #"{"fUint32": -1}"#, #"{"fUint64": "-1"}"#, #"{"fInt64": 9223372036854775808}"#,
            #"{"fInt32": 1.5}"#,
        ]
    )
    func outOfRange(json: String) {
        #expect(error { try fieldKinds(json) }?.code == .invalidValue)
    }

    @Test("null means the default value")
    func null() throws {
        #expect(try fieldKinds(#"{"fString": null, "fInner": null, "rInt32": null}"#) == TestingV1.FieldKinds())
    }

    @Test("Other errors: invalid JSON, a non-object, unknown messages, duplicates, two oneof members, bad bytes")
    func otherErrors() {
        #expect(error { try fieldKinds(#"{"fString": "#) }?.code == .invalidJSON)
        #expect(error { try fieldKinds("[1, 2]") }?.code == .wrongType)
        #expect(error { try ProtoJSON.encode(json: "{}", messageName: "voiceshop.nope.v1.X") }?.code == .unknownMessage)
        #expect(error { try ProtoJSON.decode([], messageName: "nope") }?.code == .unknownMessage)
        #expect(error { try fieldKinds(#"{"fString": "a", "f_string": "b"}"#) }?.code == .invalidValue)
        let oneof = error { try fieldKinds(#"{"cString": "a", "cInt64": 5}"#) }
        #expect(oneof?.code == .invalidValue)
        #expect(oneof?.message.contains("oneof") == true)
        #expect(
            error { try ProtoJSON.decode([0x0A, 0x05], messageName: "voiceshop.rec.v1.Product") }?.code
                == .invalidMessage)
    }

    @Test("Strict JSON: duplicate keys, positions in syntax errors, numbers too large for a Double")
    func strictJSON() throws {
        let duplicate = error { try fieldKinds(#"{"fString": "a", "fString": "b"}"#) }
        #expect(duplicate?.code == .invalidJSON)
        #expect(duplicate?.message.contains(#"the key "fString" appears twice"#) == true)
        let syntax = error { try fieldKinds("{\n  \"fDouble\": 01\n}") }
        #expect(syntax?.code == .invalidJSON)
        #expect(syntax?.message.contains("line 2, column 14") == true)
        #expect(error { try fieldKinds(#"{"fDouble": 1e400}"#) }?.code == .invalidValue)
        #expect(error { try fieldKinds(#"{"fInt64": 1e400}"#) }?.code == .invalidValue)
        #expect(error { try fieldKinds(#"{"fBytes": "===="}"#) }?.code == .invalidValue)
        // Whole numbers in any notation convert exactly, beyond Double's 53 bits.
        #expect(try fieldKinds(#"{"fUint64": 18446744073709551615.0}"#).fUint64 == .max)
        #expect(try fieldKinds(#"{"fInt64": "9223372036854775807e0"}"#).fInt64 == .max)
        #expect(error { try fieldKinds(#"{"fInt64": 9007199254740993.5}"#) }?.code == .invalidValue)
    }

    @Test("Pretty output indents by two spaces, writes `\"key\" : value` and keeps empty objects short")
    func prettyLayout() throws {
        let message = TestingV1.FieldKinds(fInt32: 1, fInner: .init(), rInt64: [1, 2])
        #expect(
            try ProtoJSON.string(from: message, pretty: true) == """
                {
                  "fInner" : {},
                  "fInt32" : 1,
                  "rInt64" : [
                    "1",
                    "2"
                  ]
                }
                """)
    }

    @Test("A grpcurl-style call: method by path, JSON in, bytes, JSON out")
    func cliFlow() throws {
        let method = try #require(ProtoRegistry.method(path: "/voiceshop.nlu.v1.NLU/Parse"))
        let requestBytes = try ProtoJSON.encode(
            json: Array(#"{"text": "where is my order one zero four two", "locale": "en-US"}"#.utf8),
            type: method.input
        )
        #expect(
            try NLUV1.ParseRequest(serializedBytes: requestBytes)
                == .init(text: "where is my order one zero four two", locale: "en-US"))
        let responseBytes = NLUV1.ParseResponse(intent: .orderStatus, confidence: 0.98, orderID: "1042")
            .serializedBytes()
        let text = try ProtoJSON.decode(responseBytes, type: method.output)
        #expect(text == #"{"confidence":0.98,"intent":"INTENT_ORDER_STATUS","orderId":"1042"}"#)
    }
}
