/// A failure loading the sentence encoder's model files.
public struct EmbeddingsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case modelMissing, modelInvalid }
        private let value: Value

        /// A model file does not exist or cannot be read: `scripts/fetch-models` creates them.
        public static let modelMissing = Code(value: .modelMissing)
        /// A model file exists but is not what this code reads (another format version, a
        /// truncated file, a tensor of the wrong shape): run `scripts/fetch-models` again.
        public static let modelInvalid = Code(value: .modelInvalid)

        public var description: String {
            switch value {
            case .modelMissing: "model missing"
            case .modelInvalid: "model invalid"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The file concerned.
    public var path: String
    /// What went wrong, for people.
    public var message: String

    /// Creates an error.
    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String {
        "embeddings: \(code): \(path): \(message)"
    }
}
