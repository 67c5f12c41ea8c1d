import JSON
import Testing

@Suite("Serialization")
struct JSONSerializationTests {
    @Test("Compact output has no whitespace and sorts keys")
    func compact() {
        let value: JSONValue = [
            "b": 1, "a": [true, false, .null, "x", 2.5, [:], []], "c": ["z": "", "y": .number("-0")],
        ]
        #expect(value.serialized() == #"{"a":[true,false,null,"x",2.5,{},[]],"b":1,"c":{"y":-0,"z":""}}"#)
        #expect(JSONValue.null.serialized() == "null")
        #expect(JSONValue.string("").serialized() == #""""#)
        #expect(JSONValue.array([]).serialized() == "[]")
        #expect(JSONValue.object([:]).serialized() == "{}")
    }

    @Test("Keys sort by their UTF-8 bytes")
    func keyOrder() {
        let keys = ["a10", "a9", "B", "a", "_x", "Z", "é", "z", "aB", "ab", "", "a-", "😀", "\u{FFFF}"]
        let value = JSONValue.object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.null) }))
        let expected = ["", "B", "Z", "_x", "a", "a-", "a10", "a9", "aB", "ab", "z", "é", "\u{FFFF}", "😀"]
        #expect(value.serialized() == "{" + expected.map { #""\#($0)":null"# }.joined(separator: ",") + "}")
    }

    @Test("Pretty output: two spaces per level, one item per line, empty containers stay short")
    func pretty() {
        let value: JSONValue = ["name": "dress", "sizes": [36, 38], "stock": ["red": 1, "blue": [:]], "tags": []]
        #expect(
            value.serialized(pretty: true) == """
                {
                  "name" : "dress",
                  "sizes" : [
                    36,
                    38
                  ],
                  "stock" : {
                    "blue" : {},
                    "red" : 1
                  },
                  "tags" : []
                }
                """)
        #expect(JSONValue.array([[[1]]]).serialized(pretty: true) == "[\n  [\n    [\n      1\n    ]\n  ]\n]")
        #expect(JSONValue.number("1").serialized(pretty: true) == "1")
        #expect(JSONValue.object([:]).serialized(pretty: true) == "{}")
    }

    @Test("Strings escape quotes, backslashes and control characters only")
    func escaping() throws {
        let text = "\"\\/\u{8}\u{c}\n\r\t\u{0}\u{1}\u{b}\u{1f} \u{7f}\u{2028}\u{2029}\u{FEFF}é😀'<>&"
        let expected = #""\"\\/\b\f\n\r\t\u0000\u0001\u000b\u001f "# + "\u{7f}\u{2028}\u{2029}\u{FEFF}é😀'<>&\""
        #expect(JSONValue.string(text).serialized() == expected)
        #expect(JSONValue.object([text: .null]).serialized() == "{\(expected):null}")
        // Every control character escapes to something that parses back.
        let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        #expect(try JSONValue(parsing: JSONValue.string(controls).serialized()) == .string(controls))
    }

    @Test("Numbers are written as their text")
    func numbers() {
        for text in ["0", "-0", "1.50", "1E+2", "123456789012345678901234567890", "1e400"] {
            #expect(JSONValue.number(text).serialized() == text)
        }
    }

    @Test("Serialized values parse back to themselves; canonical texts serialize to themselves")
    func roundTrips() throws {
        let values: [JSONValue] = [
            .null, true, false, 0, -1, 0.1, .number("1e-7"), "", "a\"b\\c\n\u{0}é😀",
            [1, [2, [3, [:]]], ["k": ["k": "v"]]],
            ["": 1, " ": 2, "\u{1}": 3, "ünï": ["x": .null], "list": [true, .number("18446744073709551615")]],
        ]
        for value in values {
            #expect(try JSONValue(parsing: value.serialized()) == value)
            #expect(try JSONValue(parsing: value.serialized(pretty: true)) == value)
        }
        let texts = [
            #"{"a":[1,2.5,-3e-7,"x",null,true,false,{},[]],"b":{"c":"\u0001\n\"\\/"}}"#,
            "[[[[[]]]]]", #""😀""#, "-0.0",
        ]
        for text in texts {
            #expect(try JSONValue(parsing: text).serialized() == text)
        }
    }
}

@Suite("Values: conversions, accessors, literals")
struct JSONValueTests {
    @Test("Integers and Doubles become number text; non-finite Doubles have none")
    func numberInitializers() {
        #expect(JSONValue(42) == .number("42"))
        #expect(JSONValue(Int64.min) == .number("-9223372036854775808"))
        #expect(JSONValue(UInt64.max) == .number("18446744073709551615"))
        #expect(JSONValue(UInt8(7)) == .number("7"))
        #expect(JSONValue(1.0) == .number("1"))
        #expect(JSONValue(-0.0) == .number("-0"))
        #expect(JSONValue(0.1) == .number("0.1"))
        #expect(JSONValue(2.5) == .number("2.5"))
        #expect(JSONValue(1e-7) == .number("1e-07"))
        #expect(JSONValue(1e20) == .number("1e+20"))
        #expect(JSONValue(123456789.0) == .number("123456789"))
        #expect(JSONValue(Double.greatestFiniteMagnitude) == .number("1.7976931348623157e+308"))
        #expect(JSONValue(Double.leastNonzeroMagnitude) == .number("5e-324"))
        #expect(JSONValue(Double.nan) == nil)
        #expect(JSONValue(Double.infinity) == nil)
        #expect(JSONValue(-Double.infinity) == nil)
    }

    @Test("Every finite Double is written as valid JSON that reads back as the same Double")
    func doubleRoundTrip() throws {
        var generator = SplitMix64(seed: 0x5EED)
        var samples: [Double] = [0, -0.0, 1, 0.1, 1e-5, 1e16, 1e21, 1e22, 9_007_199_254_740_992, .ulpOfOne, .pi]
        samples += [.leastNormalMagnitude, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1e-300]
        for _ in 0..<20_000 {
            let double = Double(bitPattern: generator.next())
            if double.isFinite { samples.append(double) }
        }
        for double in samples {
            let value = try #require(JSONValue(double))
            let text = value.serialized()
            #expect(try JSONValue(parsing: text) == value, "\(text)")
            #expect(value.doubleValue == double, "\(text)")
            #expect(Double(text) == double)
        }
    }

    @Test("Number literals are checked against the JSON grammar")
    func numberLiteral() {
        for valid in ["0", "-0", "12", "-1.5", "1e5", "1E-5", "1.25e+10", "0.0"] {
            #expect(JSONValue(numberLiteral: valid) == .number(valid))
        }
        for invalid in ["", "-", "01", "+1", ".5", "1.", "1e", "1e+", "0x10", "NaN", "inf", " 1", "1 ", "1_000", "١"] {
            #expect(JSONValue(numberLiteral: invalid) == nil, "\(invalid)")
        }
    }

    @Test(
        "Numbers convert to integers exactly when they are whole and in range",
        arguments: [
            ("12", 12), ("-0", 0), ("0", 0), ("3.0", 3), ("1e3", 1000), ("1E+3", 1000), ("1.5e1", 15),
            ("25500e-2", 255), ("0.5e1", 5), ("0.0", 0), ("0e999999999999999999999", 0), ("-9.0e0", -9),
            ("9223372036854775807", .max), ("-9223372036854775808", .min), ("9223372036854775807.000", .max),
            ("9.223372036854775807e18", .max), ("-92233720368547758.08e2", .min),
        ] as [(String, Int64)]
    )
    func wholeNumbers(text: String, expected: Int64) {
        #expect(JSONValue.number(text).integer(as: Int64.self) == expected)
    }

    @Test(
        "Fractions, out-of-range numbers and non-numbers are not integers",
        arguments: [
            "1.5", "1e-3", "0.1", "100e-3", "9223372036854775808", "-9223372036854775809", "1e19",
            "1e999999999999999999",
            "9223372036854775807.5", "abc", "", "1.", "01", "+1",
        ]
    )
    func notWholeNumbers(text: String) {
        #expect(JSONValue.number(text).integer(as: Int64.self) == nil)
    }

    @Test("Integer conversion respects each type's range")
    func integerTypes() {
        #expect(JSONValue.number("18446744073709551615").integer(as: UInt64.self) == .max)
        #expect(JSONValue.number("1.8446744073709551615e19").integer(as: UInt64.self) == .max)
        #expect(JSONValue.number("18446744073709551616").integer(as: UInt64.self) == nil)
        #expect(JSONValue.number("-1").integer(as: UInt64.self) == nil)
        #expect(JSONValue.number("-0").integer(as: UInt64.self) == 0)
        #expect(JSONValue.number("-0.0e5").integer(as: UInt32.self) == 0)
        #expect(JSONValue.number("-128").integer(as: Int8.self) == -128)
        #expect(JSONValue.number("128").integer(as: Int8.self) == nil)
        #expect(JSONValue.number("2.55e2").integer(as: UInt8.self) == 255)
        #expect(JSONValue.number("1e4").integer(as: UInt8.self) == nil)
        #expect(JSONValue.number("2147483648").integer(as: Int32.self) == nil)
        #expect(JSONValue.number("4294967295").integer(as: UInt32.self) == .max)
        let huge = "170141183460469231731687303715884105727"
        #expect(JSONValue.number(huge).integer(as: Int128.self) == .max)
        #expect(JSONValue.number("42").integer() as Int? == 42)
        #expect(JSONValue.string("42").integer(as: Int.self) == nil)
        #expect(JSONValue.bool(true).integer(as: Int.self) == nil)
    }

    @Test("Accessors and subscripts")
    func accessors() {
        let value: JSONValue = ["list": [1, "two", .null], "flag": true, "n": 2.5, "s": "x"]
        #expect(value["list"]?[1] == "two")
        #expect(value["list"]?[1]?.stringValue == "two")
        #expect(value["list"]?[3] == nil)
        #expect(value["list"]?[-1] == nil)
        #expect(value["list"]?[2]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["flag"]?.boolValue == true)
        #expect(value["n"]?.doubleValue == 2.5)
        #expect(value["s"]?.doubleValue == nil)
        #expect(value["list"]?.arrayValue?.count == 3)
        #expect(value.objectValue?.count == 4)
        #expect(value[0] == nil)
        #expect(JSONValue.string("x")["key"] == nil)
        #expect(JSONValue.number("1e400").doubleValue == .infinity)
        #expect(JSONValue.bool(false).stringValue == nil)
        #expect(JSONValue.null.boolValue == nil)
        #expect(JSONValue.null.arrayValue == nil)
        #expect(JSONValue.null.objectValue == nil)
        #expect(!JSONValue.bool(false).isNull)
    }

    @Test("Literals, equality and hashing")
    func literalsAndEquality() {
        let count = 3
        let literal: JSONValue = ["a": [1, 2.5, "s", "n=\(count)", true], "b": [:]]
        let explicit = JSONValue.object([
            "a": .array([.number("1"), .number("2.5"), .string("s"), .string("n=3"), .bool(true)]), "b": .object([:]),
        ])
        #expect(literal == explicit)
        #expect(Set([literal, explicit, .null]).count == 2)
        // Numbers compare by their text.
        #expect(JSONValue.number("1") != .number("1.0"))
        #expect(literal.description == literal.serialized())
        #expect("\(JSONValue.array([1, "x"]))" == #"[1,"x"]"#)
    }
}

/// A small seeded generator, so the random samples are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
