/// A JSON number's text taken apart into a sign, its digits and where the decimal point
/// falls, for exact integer conversion.
struct DecimalLiteral {
    /// Whether the text starts with `-`.
    var negative: Bool
    /// The ASCII digits of the integer and fraction parts, in order.
    var digits: [UInt8]
    /// How many of `digits` come before the decimal point once the exponent is applied (may
    /// be negative or beyond `digits.count`); clamped far beyond any integer type.
    var pointPosition: Int

    /// Exponents are clamped to this magnitude, so that huge ones cannot overflow.
    private static let exponentLimit = 1 << 40

    /// Takes `text` apart; `nil` unless it is a JSON number
    /// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        func isDigit(_ index: Int) -> Bool { index < bytes.count && bytes[index] &- UInt8(ascii: "0") < 10 }
        negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard isDigit(index) else { return nil }
        let integerStart = index
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { return nil }  // a leading zero
        } else {
            while isDigit(index) { index += 1 }
        }
        digits = Array(bytes[integerStart..<index])
        let integerCount = digits.count
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { return nil }
            let fractionStart = index
            while isDigit(index) { index += 1 }
            digits += bytes[fractionStart..<index]
        }
        var exponent = 0
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            var negativeExponent = false
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                negativeExponent = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard isDigit(index) else { return nil }
            while isDigit(index) {
                exponent = min(exponent * 10 + Int(bytes[index] - UInt8(ascii: "0")), Self.exponentLimit)
                index += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        guard index == bytes.count else { return nil }
        pointPosition = integerCount + exponent
    }

    /// The value as a `T`, when it is a whole number in `T`'s range.
    func integer<T: FixedWidthInteger>(as type: T.Type) -> T? {
        guard let first = digits.firstIndex(where: { $0 != UInt8(ascii: "0") }) else { return 0 }
        // Leading zeros moved out of the way: `digits[first]` is the first significant digit.
        let point = pointPosition - first
        guard point > 0 else { return nil }  // 0.00ddd
        // 10^(point - 1) > T.max beyond this, and the digit string would be needlessly long.
        guard point <= T.bitWidth / 3 + 2 else { return nil }
        let significant = digits[first...]
        var text: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if point >= significant.count {
            text += significant
            text += repeatElement(UInt8(ascii: "0"), count: point - significant.count)
        } else {
            let split = significant.startIndex + point
            guard significant[split...].allSatisfy({ $0 == UInt8(ascii: "0") }) else { return nil }
            text += significant[..<split]
        }
        return T(String(decoding: text, as: UTF8.self))
    }
}
