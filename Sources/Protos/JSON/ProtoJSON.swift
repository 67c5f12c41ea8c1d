internal import CProtobufC
internal import JSON
internal import RPCCore

/// JSON ↔ protobuf for any message of `proto/`, following the proto3 JSON mapping, through
/// protobuf-c's descriptors: what a grpcurl-like CLI needs.
///
/// - Field names are lowerCamelCase on output; both lowerCamelCase and the .proto names are
///   accepted on input.
/// - 64-bit integers are strings on output; strings and numbers are accepted on input.
/// - Bytes are base64 (standard alphabet with padding on output; URL-safe and unpadded
///   input is accepted).
/// - Enums are names on output (numbers the contract does not name stay numbers); names and
///   numbers are accepted on input.
/// - Fields with default values are left out on output, except set oneof members; `null`
///   input means the default.
/// - `NaN`, `Infinity` and `-Infinity` are strings.
/// - Unknown field names and wrong value types are errors that name the field.
public enum ProtoJSON {
    /// Encodes a JSON object as a protobuf message.
    /// - Parameters:
    ///   - json: the JSON text, an object.
    ///   - messageName: the message's full name, for example `voiceshop.nlu.v1.ParseRequest`.
    /// - Returns: the serialized message.
    /// - Throws: ``ProtoJSONError``.
    public static func encode(json: String, messageName: String) throws -> [UInt8] {
        try encode(json: Array(json.utf8), type: messageType(messageName))
    }

    /// Encodes a JSON object, given as UTF-8 bytes, as a protobuf message.
    /// - Throws: ``ProtoJSONError``.
    public static func encode(json: [UInt8], messageName: String) throws -> [UInt8] {
        try encode(json: json, type: messageType(messageName))
    }

    /// Encodes a JSON object, given as UTF-8 bytes, as a message of `type`.
    /// - Throws: ``ProtoJSONError``.
    public static func encode(json: [UInt8], type: ProtoMessageType) throws -> [UInt8] {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: json)
        } catch {
            throw ProtoJSONError(code: .invalidJSON, path: "", message: "the input is not valid JSON: \(error)")
        }
        return try ProtoJSONReader.serialize(value, descriptor: type.descriptor)
    }

    /// Decodes a protobuf message to JSON.
    /// - Parameters:
    ///   - bytes: the serialized message.
    ///   - messageName: the message's full name.
    ///   - pretty: indent the output (keys are sorted either way).
    /// - Returns: a JSON object.
    /// - Throws: ``ProtoJSONError``.
    public static func decode(_ bytes: [UInt8], messageName: String, pretty: Bool = false) throws -> String {
        try decode(bytes, type: messageType(messageName), pretty: pretty)
    }

    /// Decodes a message of `type` to JSON.
    /// - Throws: ``ProtoJSONError``.
    public static func decode(_ bytes: [UInt8], type: ProtoMessageType, pretty: Bool = false) throws -> String {
        let value = try bytes.withUnsafeBytes { try ProtoJSONWriter.value(from: $0, descriptor: type.descriptor) }
        return value.serialized(pretty: pretty)
    }

    /// A generated message as JSON.
    /// - Throws: ``ProtoJSONError`` (only if the message holds invalid UTF-8, which Swift
    ///   strings cannot).
    public static func string(from message: some ProtoMessage, pretty: Bool = false) throws -> String {
        try decode(message.serializedBytes(), messageName: type(of: message).protoMessageName, pretty: pretty)
    }

    /// A generated message from JSON.
    /// - Throws: ``ProtoJSONError``.
    public static func message<Message: ProtoMessage>(_ type: Message.Type = Message.self, json: String) throws
        -> Message
    {
        let bytes = try encode(json: json, messageName: Message.protoMessageName)
        do {
            return try Message(serializedBytes: bytes)
        } catch {
            throw ProtoJSONError(code: .invalidValue, path: "", message: "\(error)")
        }
    }

    private static func messageType(_ name: String) throws -> ProtoMessageType {
        guard let type = ProtoRegistry.messageType(named: name) else {
            throw ProtoJSONError(code: .unknownMessage, path: "", message: "no message type is named \"\(name)\"")
        }
        return type
    }
}
