internal import CProtobufC
internal import CProtos
public import RPCCore

/// A message type of `proto/`, as generic tools (the JSON mapping, the CLI) see it.
public struct ProtoMessageType: Hashable, Sendable, CustomStringConvertible {
    /// The full proto name, for example `voiceshop.rec.v1.SearchRequest`.
    public let fullName: String
    /// The position in the C descriptor registry.
    let index: Int

    /// The generated Swift type of the message.
    public var swiftType: any ProtoMessage.Type {
        guard let type = ProtoRegistry.generatedSwiftTypes[fullName] else {
            preconditionFailure("no generated Swift type for \(fullName)")
        }
        return type
    }

    /// The protobuf-c descriptor.
    var descriptor: UnsafePointer<ProtobufCMessageDescriptor> {
        voiceshop_registry_message_at(index)
    }

    public var description: String { fullName }
}

/// A method of a service of `proto/`, with its message types.
public struct ProtoMethod: Hashable, Sendable, CustomStringConvertible {
    /// The wire name, call shape and idempotency.
    public let descriptor: MethodDescriptor
    /// The request message type.
    public let input: ProtoMessageType
    /// The response message type.
    public let output: ProtoMessageType

    /// The HTTP/2 `:path`, `/package.Service/Method`.
    public var path: String { descriptor.path }

    public var description: String {
        "\(descriptor.path) (\(descriptor.kind)) \(input.fullName) -> \(output.fullName)"
    }
}

/// Every message type and method generated from `proto/`.
///
/// Message types come from protobuf-c's descriptors (through the generated C registry);
/// methods come from the generated Swift method table, because protobuf-c's service
/// descriptors do not record which side streams.
public enum ProtoRegistry {
    /// Every message type, sorted by full name.
    public static let messageTypes: [ProtoMessageType] = (0..<voiceshop_registry_message_count()).map { index in
        ProtoMessageType(fullName: String(cString: voiceshop_registry_message_at(index).pointee.name), index: index)
    }

    private static let messageTypesByName: [String: ProtoMessageType] = Dictionary(
        uniqueKeysWithValues: messageTypes.map { ($0.fullName, $0) }
    )

    /// Every method of every service, sorted by path.
    public static let methods: [ProtoMethod] = generatedMethods.map { entry in
        guard let input = messageType(named: entry.input), let output = messageType(named: entry.output) else {
            preconditionFailure("the method table names a message protobuf-c does not know: \(entry)")
        }
        return ProtoMethod(descriptor: entry.descriptor, input: input, output: output)
    }

    private static let methodsByPath: [String: ProtoMethod] = Dictionary(
        uniqueKeysWithValues: methods.map { ($0.path, $0) }
    )

    /// The fully qualified names of every service, sorted.
    public static var serviceNames: [String] {
        Array(Set(methods.map(\.descriptor.service))).sorted()
    }

    /// The message type with this full name (a leading `.` is allowed); `nil` when unknown.
    public static func messageType(named name: String) -> ProtoMessageType? {
        messageTypesByName[name.hasPrefix(".") ? String(name.dropFirst()) : name]
    }

    /// The method at `path`: `/package.Service/Method`, `package.Service/Method` or
    /// `package.Service.Method`; `nil` when unknown.
    public static func method(path: String) -> ProtoMethod? {
        if let method = methodsByPath[path] ?? methodsByPath["/" + path] {
            return method
        }
        guard let dot = path.lastIndex(of: ".") else { return nil }
        let service = path[..<dot].drop(while: { $0 == "/" })
        return methodsByPath["/\(service)/\(path[path.index(after: dot)...])"]
    }

    /// The methods of one service (full name), in path order.
    public static func methods(ofService service: String) -> [ProtoMethod] {
        methods.filter { $0.descriptor.service == service }
    }
}

extension ProtoRegistry {
    /// The methods as protobuf-c's service descriptors list them (without call shapes); the
    /// tests check that the generated method table agrees.
    static func protobufCMethods() -> [(service: String, method: String, input: String, output: String)] {
        (0..<voiceshop_registry_service_count()).flatMap { index in
            let service = voiceshop_registry_service_at(index).pointee
            let serviceName = String(cString: service.name)
            return UnsafeBufferPointer(start: service.methods, count: Int(service.n_methods)).map { method in
                (
                    service: serviceName,
                    method: String(cString: method.name),
                    input: String(cString: method.input.pointee.name),
                    output: String(cString: method.output.pointee.name)
                )
            }
        }
    }
}
