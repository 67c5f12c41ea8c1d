internal import CProtobufC
internal import CProtos
internal import JSON
internal import RPCCore

/// Turns a protobuf message into a ``JSONValue`` object: unpacks it with protobuf-c's
/// generic unpacker and walks the C struct through its descriptor.
enum ProtoJSONWriter {
    /// The JSON object for the message of `descriptor` in `bytes`.
    /// - Throws: ``ProtoJSONError`` `.invalidMessage` when the bytes are not such a message.
    static func value(
        from bytes: UnsafeRawBufferPointer,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    ) throws -> JSONValue {
        let unpacked = ProtoCCodec.withBytes(bytes) { protobuf_c_message_unpack(descriptor, nil, $0, $1) }
        guard let unpacked else {
            throw ProtoJSONError(
                code: .invalidMessage,
                path: "",
                message: "\(bytes.count) bytes are not a valid \(String(cString: descriptor.pointee.name))"
            )
        }
        defer { protobuf_c_message_free_unpacked(unpacked, nil) }
        return try object(UnsafeRawPointer(unpacked), descriptor: descriptor, path: "")
    }

    private static func object(
        _ message: UnsafeRawPointer,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        path: String
    ) throws -> JSONValue {
        var object: [String: JSONValue] = [:]
        let fields = UnsafeBufferPointer(start: descriptor.pointee.fields, count: Int(descriptor.pointee.n_fields))
        for field in fields {
            let name = ProtoJSONNames.jsonName(field)
            let fieldPath = path.isEmpty ? name : "\(path).\(name)"
            let member = message + Int(field.offset)
            let quantifier = message + Int(field.quantifier_offset)
            if field.label == PROTOBUF_C_LABEL_REPEATED {
                let count = quantifier.load(as: Int.self)
                guard count > 0, let elements = member.load(as: UnsafeRawPointer?.self) else { continue }
                let size = ProtoJSONNames.elementSize(field.type)
                object[name] = .array(
                    try (0..<count).map { index in
                        try value(field, at: elements + index * size, path: "\(fieldPath)[\(index)]")
                    })
            } else if field.flags & PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue != 0 {
                // A set oneof member is printed even when it holds its default value.
                guard quantifier.load(as: UInt32.self) == field.id else { continue }
                object[name] = try value(field, at: member, path: fieldPath)
            } else if field.label == PROTOBUF_C_LABEL_OPTIONAL, !isPointer(field.type) {
                guard quantifier.load(as: protobuf_c_boolean.self) != 0 else { continue }
                object[name] = try value(field, at: member, path: fieldPath)
            } else {
                guard !isDefault(field, at: member) else { continue }
                object[name] = try value(field, at: member, path: fieldPath)
            }
        }
        return .object(object)
    }

    private static func isPointer(_ type: ProtobufCType) -> Bool {
        type == PROTOBUF_C_TYPE_STRING || type == PROTOBUF_C_TYPE_MESSAGE
    }

    /// Whether a singular proto3 field holds its default value (and is left out).
    private static func isDefault(_ field: ProtobufCFieldDescriptor, at member: UnsafeRawPointer) -> Bool {
        switch field.type {
        case PROTOBUF_C_TYPE_FLOAT:
            return member.load(as: Float.self) == 0
        case PROTOBUF_C_TYPE_DOUBLE:
            return member.load(as: Double.self) == 0
        case PROTOBUF_C_TYPE_STRING:
            guard let string = member.load(as: UnsafePointer<CChar>?.self) else { return true }
            return string.pointee == 0
        case PROTOBUF_C_TYPE_BYTES:
            return member.load(as: ProtobufCBinaryData.self).len == 0
        case PROTOBUF_C_TYPE_MESSAGE:
            return member.load(as: UnsafeRawPointer?.self) == nil
        default:
            let size = ProtoJSONNames.elementSize(field.type)
            return size == 8 ? member.load(as: UInt64.self) == 0 : member.load(as: UInt32.self) == 0
        }
    }

    private static func value(_ field: ProtobufCFieldDescriptor, at member: UnsafeRawPointer, path: String) throws
        -> JSONValue
    {
        switch field.type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32:
            return JSONValue(member.load(as: Int32.self))
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32:
            return JSONValue(member.load(as: UInt32.self))
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64:
            return .string(String(member.load(as: Int64.self)))
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64:
            return .string(String(member.load(as: UInt64.self)))
        case PROTOBUF_C_TYPE_FLOAT:
            let number = member.load(as: Float.self)
            // Through the shortest decimal, so 0.1 prints as 0.1, not 0.10000000149011612.
            return special(Double(number)) ?? JSONValue(Double("\(number)") ?? Double(number))!
        case PROTOBUF_C_TYPE_DOUBLE:
            let number = member.load(as: Double.self)
            return special(number) ?? JSONValue(number)!
        case PROTOBUF_C_TYPE_BOOL:
            return .bool(member.load(as: protobuf_c_boolean.self) != 0)
        case PROTOBUF_C_TYPE_ENUM:
            let number = member.load(as: Int32.self)
            let descriptor = field.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self)
            if let entry = protobuf_c_enum_descriptor_get_value(descriptor, number) {
                return .string(String(cString: entry.pointee.name))
            }
            return JSONValue(number)
        case PROTOBUF_C_TYPE_STRING:
            guard let pointer = member.load(as: UnsafePointer<CChar>?.self) else { return "" }
            guard let string = String(validatingCString: pointer) else {
                throw ProtoJSONError(code: .invalidMessage, path: path, message: "the string is not valid UTF-8")
            }
            return .string(string)
        case PROTOBUF_C_TYPE_BYTES:
            let binary = member.load(as: ProtobufCBinaryData.self)
            guard binary.len > 0, let data = binary.data else { return "" }
            return .string(Base64.encode(Array(UnsafeBufferPointer(start: data, count: binary.len))))
        case PROTOBUF_C_TYPE_MESSAGE:
            let descriptor = field.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
            guard let sub = member.load(as: UnsafeRawPointer?.self) else { return .object([:]) }
            return try object(sub, descriptor: descriptor, path: path)
        default:
            throw ProtoJSONError(
                code: .invalidMessage, path: path, message: "unsupported field type \(field.type.rawValue)")
        }
    }

    /// NaN and the infinities, which JSON numbers cannot hold, as the mapping's strings.
    private static func special(_ number: Double) -> JSONValue? {
        if number.isNaN { return "NaN" }
        if number == .infinity { return "Infinity" }
        if number == -.infinity { return "-Infinity" }
        return nil
    }
}
