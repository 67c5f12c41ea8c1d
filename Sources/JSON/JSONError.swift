/// Why a text is not JSON, and where.
public struct JSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unexpectedEnd, unexpectedCharacter, invalidNumber, invalidString, invalidUTF8, duplicateKey
            case tooDeep, trailingData
        }
        private let value: Value

        /// The text ends before the value does (or is empty).
        public static let unexpectedEnd = Code(value: .unexpectedEnd)
        /// A character that cannot start or continue a value here: `[1,]`, `{a: 1}`, `tru`.
        public static let unexpectedCharacter = Code(value: .unexpectedCharacter)
        /// A malformed number: a leading zero (`01`), no digit after `-`, `.` or `e` (`1.`, `1e`).
        public static let invalidNumber = Code(value: .invalidNumber)
        /// A malformed string: an unescaped control character, an unknown escape, a bad
        /// `\u` escape or a lone UTF-16 surrogate.
        public static let invalidString = Code(value: .invalidString)
        /// The text is not valid UTF-8.
        public static let invalidUTF8 = Code(value: .invalidUTF8)
        /// An object has the same key twice.
        public static let duplicateKey = Code(value: .duplicateKey)
        /// Arrays and objects are nested deeper than the parser's limit.
        public static let tooDeep = Code(value: .tooDeep)
        /// Something other than whitespace follows the value.
        public static let trailingData = Code(value: .trailingData)

        public var description: String {
            switch value {
            case .unexpectedEnd: "unexpected end"
            case .unexpectedCharacter: "unexpected character"
            case .invalidNumber: "invalid number"
            case .invalidString: "invalid string"
            case .invalidUTF8: "invalid UTF-8"
            case .duplicateKey: "duplicate key"
            case .tooDeep: "too deep"
            case .trailingData: "trailing data"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What is wrong, for people, for example `a number has a leading zero`.
    public var message: String
    /// Where: the offset of the offending byte in the input, from 0 (the input's length when
    /// it ends too early).
    public var offset: Int
    /// Where: the line, from 1 (lines end with `\n`).
    public var line: Int
    /// Where: the column, from 1, counted in Unicode scalars.
    public var column: Int

    /// Creates an error.
    public init(code: Code, message: String, offset: Int, line: Int, column: Int) {
        self.code = code
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// For example `line 2, column 7 (byte 19): a number has a leading zero`.
    public var description: String { "line \(line), column \(column) (byte \(offset)): \(message)" }
}
