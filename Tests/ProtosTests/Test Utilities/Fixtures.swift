import Protos

/// Messages with every field set, shared by the round-trip, wire and JSON tests.
enum Fixtures {
    /// A `FieldKinds` with every singular and repeated field set to a non-default value and
    /// the oneof set to a message.
    static var everyField: TestingV1.FieldKinds {
        var message = TestingV1.FieldKinds()
        message.fDouble = -1234.5678
        message.fFloat = 0.1
        message.fInt64 = .min
        message.fUint64 = .max
        message.fInt32 = -42
        message.fFixed64 = 0xDEAD_BEEF_CAFE_F00D
        message.fFixed32 = .max
        message.fBool = true
        message.fString = "rote Kleider unter 50 € — 赤いドレス 🛍️"
        message.fBytes = [0, 1, 2, 0xFE, 0xFF, 0]
        message.fUint32 = 4_000_000_000
        message.fSfixed32 = .min
        message.fSfixed64 = .max
        message.fSint32 = -1
        message.fSint64 = .min
        message.fLevel = .negative
        message.fColor = .green
        message.fInner = .init(name: "inner", value: 7, level: .high, leaf: .init(text: "leaf", number: -9))
        message.fLeaf = .init(text: "top", number: .max)
        message.rDouble = [0, -0.5, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity]
        message.rFloat = [1.5, -2.25, .greatestFiniteMagnitude]
        message.rInt64 = [.min, -1, 0, 1, .max]
        message.rUint64 = [0, 1, .max]
        message.rInt32 = [.min, -1, 0, 300, .max]
        message.rFixed64 = [0, .max]
        message.rFixed32 = [7, .max]
        message.rBool = [true, false, true]
        message.rString = ["", "a", "ünïcödé", String(repeating: "x", count: 300)]
        message.rBytes = [[], [0], Array(0...255)]
        message.rUint32 = [0, .max]
        message.rSfixed32 = [.min, .max]
        message.rSfixed64 = [.min, .max]
        message.rSint32 = [.min, -1, .max]
        message.rSint64 = [.min, -1, .max]
        message.rLevel = [.low, .unspecified, .negative, .unrecognized(99)]
        message.rColor = [.red, .green, .unrecognized(-7)]
        message.rInner = [.init(), .init(name: "second", value: 2, level: .low, leaf: nil), .init(name: "third")]
        message.rLeaf = [.init(text: "a"), .init(number: 1)]
        message.choice = .cInner(.init(name: "chosen", value: 1, level: .unrecognized(1000), leaf: .init()))
        return message
    }

    /// `everyField` in protobuf text format, for `protoc --encode`.
    static let everyFieldText = """
        f_double: -1234.5678
        f_float: 0.1
        f_int64: -9223372036854775808
        f_uint64: 18446744073709551615
        f_int32: -42
        f_fixed64: 16045690984503111693
        f_fixed32: 4294967295
        f_bool: true
        f_string: "rote Kleider unter 50 € — 赤いドレス 🛍️"
        f_bytes: "\\000\\001\\002\\376\\377\\000"
        f_uint32: 4000000000
        f_sfixed32: -2147483648
        f_sfixed64: 9223372036854775807
        f_sint32: -1
        f_sint64: -9223372036854775808
        f_level: LEVEL_NEGATIVE
        f_color: COLOR_GREEN
        f_inner { name: "inner" value: 7 level: LEVEL_HIGH leaf { text: "leaf" number: -9 } }
        f_leaf { text: "top" number: 9223372036854775807 }
        r_double: [0, -0.5, 1.7976931348623157e308, 5e-324, inf]
        r_float: [1.5, -2.25, 3.4028234663852886e38]
        r_int64: [-9223372036854775808, -1, 0, 1, 9223372036854775807]
        r_uint64: [0, 1, 18446744073709551615]
        r_int32: [-2147483648, -1, 0, 300, 2147483647]
        r_fixed64: [0, 18446744073709551615]
        r_fixed32: [7, 4294967295]
        r_bool: [true, false, true]
        r_string: ["", "a", "ünïcödé", "\(String(repeating: "x", count: 300))"]
        r_bytes: ["", "\\000", "\(Array(0...255).map { String(format3: $0) }.joined())"]
        r_uint32: [0, 4294967295]
        r_sfixed32: [-2147483648, 2147483647]
        r_sfixed64: [-9223372036854775808, 9223372036854775807]
        r_sint32: [-2147483648, -1, 2147483647]
        r_sint64: [-9223372036854775808, -1, 9223372036854775807]
        r_level: [LEVEL_LOW, LEVEL_UNSPECIFIED, LEVEL_NEGATIVE, 99]
        r_color: [COLOR_RED, COLOR_GREEN, -7]
        r_inner {}
        r_inner { name: "second" value: 2 level: LEVEL_LOW }
        r_inner { name: "third" }
        r_leaf { text: "a" }
        r_leaf { number: 1 }
        c_inner { name: "chosen" value: 1 level: 1000 leaf {} }
        """
}

extension String {
    /// A byte as a three-digit octal text-format escape.
    init(format3 byte: Int) {
        let octal = String(byte, radix: 8)
        self = "\\" + String(repeating: "0", count: 3 - octal.count) + octal
    }
}
