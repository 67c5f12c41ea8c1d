/// Why bytes could not be decoded as a protobuf message.
public struct ProtoDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case malformed, invalidUTF8 }
        private let value: Value

        /// The bytes are not a valid encoding of the message (truncated, wrong wire types, …).
        public static let malformed = Code(value: .malformed)
        /// A string field holds bytes that are not valid UTF-8.
        public static let invalidUTF8 = Code(value: .invalidUTF8)

        public var description: String {
            switch value {
            case .malformed: "malformed"
            case .invalidUTF8: "invalid UTF-8"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The full proto name of the message being decoded.
    public var messageName: String
    /// What is wrong, for people.
    public var message: String

    /// Creates an error.
    public init(code: Code, messageName: String, message: String) {
        self.code = code
        self.messageName = messageName
        self.message = message
    }

    public var description: String { "\(messageName): \(message)" }
}
