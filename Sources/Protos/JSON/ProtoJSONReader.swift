internal import CProtobufC
internal import CProtos
internal import JSON
internal import RPCCore

/// Builds a protobuf-c message from a parsed ``JSONValue``, walking the message descriptor,
/// and packs it. Everything the message points at lives in one arena.
enum ProtoJSONReader {
    /// Packs the JSON object `value` as a message of `descriptor`.
    /// - Throws: ``ProtoJSONError``.
    static func serialize(_ value: JSONValue, descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws -> [UInt8] {
        try ProtoArena.with { arena in
            let message = try build(value, descriptor: descriptor, arena: &arena, path: "")
            let base = message.assumingMemoryBound(to: ProtobufCMessage.self)
            var bytes: [UInt8] = []
            ProtoCCodec.append(to: &bytes, size: protobuf_c_message_get_packed_size(base)) {
                protobuf_c_message_pack(base, $0)
            }
            return bytes
        }
    }

    private static func build(
        _ value: JSONValue,
        descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
        arena: inout ProtoArena,
        path: String
    ) throws -> UnsafeMutableRawPointer {
        let messageName = String(cString: descriptor.pointee.name)
        guard case .object(let object) = value else {
            throw ProtoJSONError(
                code: .wrongType,
                path: path,
                message: "\(messageName) expects a JSON object, got \(describe(value))"
            )
        }
        let message = arena.allocate(byteCount: descriptor.pointee.sizeof_message, alignment: 16)
        protobuf_c_message_init(descriptor, message)
        let fields = UnsafeBufferPointer(start: descriptor.pointee.fields, count: Int(descriptor.pointee.n_fields))
        var seen: [UInt32: String] = [:]
        for key in object.keys.sorted() {
            let fieldPath = path.isEmpty ? key : "\(path).\(key)"
            guard let field = fields.first(where: { ProtoJSONNames.matches($0, key) }) else {
                let known = fields.map { ProtoJSONNames.jsonName($0) }.joined(separator: ", ")
                throw ProtoJSONError(
                    code: .unknownField,
                    path: fieldPath,
                    message: "\(messageName) has no field \"\(key)\" (fields: \(known))"
                )
            }
            if let other = seen.updateValue(key, forKey: field.id) {
                throw ProtoJSONError(
                    code: .invalidValue,
                    path: fieldPath,
                    message: "field \(ProtoJSONNames.jsonName(field)) is given twice (\"\(other)\" and \"\(key)\")"
                )
            }
            let value = object[key]!
            if case .null = value { continue }
            let member = message + Int(field.offset)
            let quantifier = message + Int(field.quantifier_offset)
            if field.label == PROTOBUF_C_LABEL_REPEATED {
                guard case .array(let array) = value else {
                    throw ProtoJSONError(
                        code: .wrongType,
                        path: fieldPath,
                        message:
                            "repeated field \(ProtoJSONNames.jsonName(field)) expects a JSON array, got \(describe(value))"
                    )
                }
                guard !array.isEmpty else { continue }
                let size = ProtoJSONNames.elementSize(field.type)
                let elements = arena.allocate(byteCount: size * array.count, alignment: 8)
                for (index, element) in array.enumerated() {
                    try store(
                        element, field: field, at: elements + index * size, arena: &arena,
                        path: "\(fieldPath)[\(index)]")
                }
                quantifier.storeBytes(of: array.count, as: Int.self)
                member.storeBytes(of: elements, as: UnsafeMutableRawPointer?.self)
            } else {
                if field.flags & PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue != 0 {
                    let current = quantifier.load(as: UInt32.self)
                    if current != 0 && current != field.id {
                        let other =
                            fields.first { $0.id == current }.map { ProtoJSONNames.jsonName($0) } ?? "\(current)"
                        throw ProtoJSONError(
                            code: .invalidValue,
                            path: fieldPath,
                            message:
                                "fields \(other) and \(ProtoJSONNames.jsonName(field)) are members of one oneof; set only one"
                        )
                    }
                    quantifier.storeBytes(of: field.id, as: UInt32.self)
                } else if field.label == PROTOBUF_C_LABEL_OPTIONAL {
                    quantifier.storeBytes(of: 1, as: protobuf_c_boolean.self)
                }
                try store(value, field: field, at: member, arena: &arena, path: fieldPath)
            }
        }
        return message
    }

    /// Stores one (element) value of `field` at `target`.
    private static func store(
        _ value: JSONValue,
        field: ProtobufCFieldDescriptor,
        at target: UnsafeMutableRawPointer,
        arena: inout ProtoArena,
        path: String
    ) throws {
        let type = field.type
        func wrongType(_ expected: String) -> ProtoJSONError {
            ProtoJSONError(
                code: .wrongType,
                path: path,
                message:
                    "field \(ProtoJSONNames.jsonName(field)) (\(ProtoJSONNames.typeName(field))) expects \(expected), got \(describe(value))"
            )
        }
        func outOfRange(_ text: String) -> ProtoJSONError {
            ProtoJSONError(
                code: .invalidValue,
                path: path,
                message:
                    "\(text) is not a valid \(ProtoJSONNames.typeName(field)) for field \(ProtoJSONNames.jsonName(field))"
            )
        }
        switch type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32:
            let number = try integer(value, Int32.self, wrongType: wrongType, outOfRange: outOfRange)
            target.storeBytes(of: number, as: Int32.self)
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32:
            let number = try integer(value, UInt32.self, wrongType: wrongType, outOfRange: outOfRange)
            target.storeBytes(of: number, as: UInt32.self)
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64:
            let number = try integer(value, Int64.self, wrongType: wrongType, outOfRange: outOfRange)
            target.storeBytes(of: number, as: Int64.self)
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64:
            let number = try integer(value, UInt64.self, wrongType: wrongType, outOfRange: outOfRange)
            target.storeBytes(of: number, as: UInt64.self)
        case PROTOBUF_C_TYPE_FLOAT:
            let number = try floating(value, wrongType: wrongType, outOfRange: outOfRange)
            // Values that round to the largest float are fine; beyond that, Float overflows.
            let float = Float(number)
            guard !float.isInfinite || number.isInfinite else { throw outOfRange("\(number)") }
            target.storeBytes(of: float, as: Float.self)
        case PROTOBUF_C_TYPE_DOUBLE:
            target.storeBytes(of: try floating(value, wrongType: wrongType, outOfRange: outOfRange), as: Double.self)
        case PROTOBUF_C_TYPE_BOOL:
            guard case .bool(let flag) = value else { throw wrongType("true or false") }
            target.storeBytes(of: flag ? 1 : 0, as: protobuf_c_boolean.self)
        case PROTOBUF_C_TYPE_ENUM:
            let descriptor = field.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self)
            switch value {
            case .string(let name):
                guard let entry = protobuf_c_enum_descriptor_get_value_by_name(descriptor, name) else {
                    let names = UnsafeBufferPointer(
                        start: descriptor.pointee.values, count: Int(descriptor.pointee.n_values)
                    )
                    .map { String(cString: $0.name) }.joined(separator: ", ")
                    throw ProtoJSONError(
                        code: .invalidValue,
                        path: path,
                        message:
                            "\"\(name)\" is not a value of \(String(cString: descriptor.pointee.name)) (values: \(names))"
                    )
                }
                target.storeBytes(of: entry.pointee.value, as: Int32.self)
            case .number:
                target.storeBytes(
                    of: try integer(value, Int32.self, wrongType: wrongType, outOfRange: outOfRange), as: Int32.self)
            default:
                throw wrongType("an enum value name or number")
            }
        case PROTOBUF_C_TYPE_STRING:
            guard case .string(let string) = value else { throw wrongType("a string") }
            target.storeBytes(of: arena.cString(string), as: UnsafeMutablePointer<CChar>.self)
        case PROTOBUF_C_TYPE_BYTES:
            guard case .string(let string) = value else { throw wrongType("a base64 string") }
            guard let bytes = ProtoJSONText.base64Decode(string) else {
                throw ProtoJSONError(
                    code: .invalidValue,
                    path: path,
                    message:
                        "field \(ProtoJSONNames.jsonName(field)) (bytes) expects base64, got \"\(string.prefix(40))\""
                )
            }
            target.storeBytes(of: arena.binary(bytes), as: ProtobufCBinaryData.self)
        case PROTOBUF_C_TYPE_MESSAGE:
            let descriptor = field.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
            let sub = try build(value, descriptor: descriptor, arena: &arena, path: path)
            target.storeBytes(of: sub, as: UnsafeMutableRawPointer.self)
        default:
            throw ProtoJSONError(code: .invalidValue, path: path, message: "unsupported field type \(type.rawValue)")
        }
    }

    private static func integer<T: FixedWidthInteger>(
        _ value: JSONValue,
        _ type: T.Type,
        wrongType: (String) -> ProtoJSONError,
        outOfRange: (String) -> ProtoJSONError
    ) throws -> T {
        let text: String
        let number: JSONValue?
        switch value {
        case .number(let literal):
            text = literal
            number = value
        case .string(let string):
            text = ProtoJSONText.trimmingWhitespace(string)
            number = JSONValue(numberLiteral: text)
        default:
            throw wrongType("an integer (a number or a string)")
        }
        if let exact = T(text) { return exact }
        // Numbers such as 1.0, 1e3 and 18446744073709551615.0 are integers too, when they are
        // whole and in range (converted exactly, not through Double).
        if let number {
            guard let exact = number.integer(as: T.self) else { throw outOfRange(text) }
            return exact
        }
        // Other strings that Swift reads as a whole Double ("0x10", "1.") are accepted, as before.
        guard let double = Double(text), double.isFinite else { throw wrongType("an integer (a number or a string)") }
        guard double.rounded(.towardZero) == double, let exact = T(exactly: double) else { throw outOfRange(text) }
        return exact
    }

    private static func floating(
        _ value: JSONValue,
        wrongType: (String) -> ProtoJSONError,
        outOfRange: (String) -> ProtoJSONError
    ) throws -> Double {
        switch value {
        case .string(let string):
            switch string {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                guard let number = Double(string), number.isFinite else { throw outOfRange("\"\(string)\"") }
                return number
            }
        case .number(let literal):
            // Too large for a Double (1e400): out of range rather than infinite.
            guard let number = Double(literal), number.isFinite else { throw outOfRange(literal) }
            return number
        default:
            throw wrongType("a number (or \"NaN\", \"Infinity\", \"-Infinity\")")
        }
    }

    /// A short description of a JSON value for error messages.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .bool(let flag): "\(flag)"
        case .number(let text): "the number \(text)"
        case .string(let string): "the string \"\(string.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        case .null: "null"
        }
    }
}

/// Field names and sizes for the JSON mapping.
enum ProtoJSONNames {
    /// The proto3 JSON name: the .proto name in lowerCamelCase (`price_min` → `priceMin`).
    static func jsonName(_ field: ProtobufCFieldDescriptor) -> String {
        lowerCamel(String(cString: field.name))
    }

    /// Whether a JSON key names `field`, by JSON name or .proto name.
    static func matches(_ field: ProtobufCFieldDescriptor, _ key: String) -> Bool {
        let name = String(cString: field.name)
        return name == key || lowerCamel(name) == key
    }

    static func lowerCamel(_ name: String) -> String {
        var out = ""
        var upperNext = false
        for character in name {
            if character == "_" {
                upperNext = true
            } else if upperNext {
                out += character.uppercased()
                upperNext = false
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// Bytes of one element of a repeated field in protobuf-c's arrays.
    static func elementSize(_ type: ProtobufCType) -> Int {
        switch type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_UINT32,
            PROTOBUF_C_TYPE_FIXED32, PROTOBUF_C_TYPE_FLOAT, PROTOBUF_C_TYPE_ENUM:
            4
        case PROTOBUF_C_TYPE_BOOL:
            MemoryLayout<protobuf_c_boolean>.stride
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_UINT64,
            PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_DOUBLE:
            8
        case PROTOBUF_C_TYPE_BYTES:
            MemoryLayout<ProtobufCBinaryData>.stride
        default:  // strings and messages: pointers
            MemoryLayout<UnsafeRawPointer>.stride
        }
    }

    /// The .proto type of a field, for error messages.
    static func typeName(_ field: ProtobufCFieldDescriptor) -> String {
        switch field.type {
        case PROTOBUF_C_TYPE_INT32: "int32"
        case PROTOBUF_C_TYPE_SINT32: "sint32"
        case PROTOBUF_C_TYPE_SFIXED32: "sfixed32"
        case PROTOBUF_C_TYPE_INT64: "int64"
        case PROTOBUF_C_TYPE_SINT64: "sint64"
        case PROTOBUF_C_TYPE_SFIXED64: "sfixed64"
        case PROTOBUF_C_TYPE_UINT32: "uint32"
        case PROTOBUF_C_TYPE_FIXED32: "fixed32"
        case PROTOBUF_C_TYPE_UINT64: "uint64"
        case PROTOBUF_C_TYPE_FIXED64: "fixed64"
        case PROTOBUF_C_TYPE_FLOAT: "float"
        case PROTOBUF_C_TYPE_DOUBLE: "double"
        case PROTOBUF_C_TYPE_BOOL: "bool"
        case PROTOBUF_C_TYPE_STRING: "string"
        case PROTOBUF_C_TYPE_BYTES: "bytes"
        case PROTOBUF_C_TYPE_ENUM:
            String(cString: field.descriptor.assumingMemoryBound(to: ProtobufCEnumDescriptor.self).pointee.name)
        case PROTOBUF_C_TYPE_MESSAGE:
            String(cString: field.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self).pointee.name)
        default: "type \(field.type.rawValue)"
        }
    }
}

/// Text helpers for the JSON mapping.
enum ProtoJSONText {
    /// Whether `scalar` is a space (Unicode category Zs) or a tab: what the mapping trims from
    /// integer and base64 strings.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
    }

    /// `text` without spaces and tabs at either end.
    static func trimmingWhitespace(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }),
            let last = scalars.lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    /// Decodes standard or URL-safe base64, with or without padding (but not with more
    /// padding than the length calls for); spaces and tabs at either end are ignored.
    static func base64Decode(_ text: String) -> [UInt8]? {
        let trimmed = trimmingWhitespace(text)
        let padding = trimmed.utf8.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        let rest = (trimmed.utf8.count - padding) % 4
        // 4n+1 characters are never base64; padding completes a group of 4 and no more.
        guard rest != 1, padding == 0 || (rest != 0 && rest + padding <= 4) else { return nil }
        return Base64.decode(trimmed)
    }
}
