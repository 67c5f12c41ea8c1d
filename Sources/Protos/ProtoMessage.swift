public import RPCCore

/// A protobuf message generated from `proto/`: a Swift value type whose serialized form is
/// packed and unpacked by protobuf-c.
///
/// Every generated message also conforms to `Hashable` and `Sendable`. Decoding keeps no
/// unknown fields: a message re-serialized by an older contract loses fields it did not know.
public protocol ProtoMessage: RPCMessage {
    /// The message's full proto name, for example `voiceshop.rec.v1.SearchRequest`.
    static var protoMessageName: String { get }

    /// A message with every field at its default value.
    init()
}

/// A generated proto3 enum. Proto3 enums are open: numbers that the contract does not name
/// decode to an `unrecognized` case and serialize back unchanged.
public protocol ProtoEnum: RawRepresentable<Int32>, CaseIterable, Hashable, Sendable {
    /// The enum's full proto name, for example `voiceshop.rec.v1.Sort`.
    static var protoEnumName: String { get }

    /// The zero value (the first value in the .proto file).
    init()

    /// The value with this number; numbers not in the contract give the `unrecognized` case.
    init(rawValue: Int32)

    /// The value's name in the .proto file; `nil` for numbers not in the contract.
    var protoName: String? { get }
}
