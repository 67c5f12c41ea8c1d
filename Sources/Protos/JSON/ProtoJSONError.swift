/// Why JSON could not be mapped to a protobuf message, or a message to JSON.
public struct ProtoJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidJSON, unknownMessage, unknownField, wrongType, invalidValue, invalidMessage
        }
        private let value: Value

        /// The text is not JSON.
        public static let invalidJSON = Code(value: .invalidJSON)
        /// No message type of `proto/` has the name given.
        public static let unknownMessage = Code(value: .unknownMessage)
        /// A JSON key names no field of the message.
        public static let unknownField = Code(value: .unknownField)
        /// A JSON value has the wrong type for its field (a string for a number, …).
        public static let wrongType = Code(value: .wrongType)
        /// A JSON value has the right type but cannot be used: out of range, an unknown enum
        /// name, bad base64, a field or oneof set twice.
        public static let invalidValue = Code(value: .invalidValue)
        /// The protobuf bytes to print are not a valid message.
        public static let invalidMessage = Code(value: .invalidMessage)

        public var description: String {
            switch value {
            case .invalidJSON: "invalid JSON"
            case .unknownMessage: "unknown message"
            case .unknownField: "unknown field"
            case .wrongType: "wrong type"
            case .invalidValue: "invalid value"
            case .invalidMessage: "invalid message"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// Where in the JSON, for example `filters.priceMax` or `results[2].product`; empty for
    /// the whole document.
    public var path: String
    /// What is wrong, for people.
    public var message: String

    /// Creates an error.
    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
