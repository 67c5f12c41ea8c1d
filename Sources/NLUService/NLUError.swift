/// A failure of nlu-svc outside an RPC's own validation: unreadable data or model files, bad
/// training data, a bad request to the parser.
public struct NLUError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure it was.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case badData, badModel, invalidInput
        }

        private let value: Value

        /// A file could not be read, or its contents are not in the expected format.
        public static let badData = Code(value: .badData)
        /// A model file is truncated, from another version, or inconsistent.
        public static let badModel = Code(value: .badModel)
        /// The text to parse is empty, too long or not valid UTF-8.
        public static let invalidInput = Code(value: .invalidInput)

        public var description: String {
            switch value {
            case .badData: "bad data"
            case .badModel: "bad model"
            case .invalidInput: "invalid input"
            }
        }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
