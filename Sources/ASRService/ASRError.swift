/// An error of asr-svc's domain code; `ASRRPCService` maps it to a gRPC status once, at the
/// service boundary (`ASRError+RPC.swift`).
public struct ASRError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidAudio, unsupportedAudio, emptyAudio, invalidRequest, audioTooLong, audioTooLarge, busy, notReady
            case engine
        }

        private let value: Value

        /// The bytes are not what the format says (a broken WAV header, half a sample).
        public static let invalidAudio = Code(value: .invalidAudio)
        /// A well-formed encoding the service does not take (8-bit, float, µ-law, 3 channels, 96 kHz).
        public static let unsupportedAudio = Code(value: .unsupportedAudio)
        /// No samples at all.
        public static let emptyAudio = Code(value: .emptyAudio)
        /// A bad field in the request (no config in the first chunk, negative alternatives).
        public static let invalidRequest = Code(value: .invalidRequest)
        /// More seconds of audio than the configured limit.
        public static let audioTooLong = Code(value: .audioTooLong)
        /// More bytes of audio than the configured limit.
        public static let audioTooLarge = Code(value: .audioTooLarge)
        /// Every decoder is busy and the waiting line is full.
        public static let busy = Code(value: .busy)
        /// The language model is not loaded yet.
        public static let notReady = Code(value: .notReady)
        /// pocketsphinx failed.
        public static let engine = Code(value: .engine)

        public var description: String { "\(value)" }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "\(code): \(message)" }
}
