public import JSON

/// A JSON object from a request body, read field by field with 400s that name the field.
public struct JSONBody: Sendable {
    /// The object's members.
    public let members: [String: JSONValue]

    /// Parses `bytes` as a JSON object whose members are all in `allowed`.
    /// - Throws: `GatewayError` 400 `invalid_json` (not JSON, not an object) or
    ///   `invalid_argument` (an unknown field).
    public init(_ bytes: [UInt8], allowed: Set<String>) throws(GatewayError) {
        guard !bytes.isEmpty else { throw GatewayError(status: 400, code: "invalid_json", message: "the request body is empty; send a JSON object") }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes, maximumDepth: 32)
        } catch {
            throw GatewayError(status: 400, code: "invalid_json", message: "the request body is not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw GatewayError(status: 400, code: "invalid_json", message: "the request body must be a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw GatewayError.badRequest("unknown field '\(unknown)'; known: \(allowed.sorted().joined(separator: ", "))", field: unknown)
        }
        members = object
    }

    /// A string field; `nil` when absent or null.
    public func string(_ name: String, maxLength: Int = 1000) throws(GatewayError) -> String? {
        guard let value = members[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw GatewayError.badRequest("'\(name)' must be a string", field: name) }
        guard text.count <= maxLength else { throw GatewayError.badRequest("'\(name)' is longer than \(maxLength) characters", field: name) }
        return text
    }

    /// A number field.
    public func number(_ name: String, range: ClosedRange<Double> = -1e15...1e15) throws(GatewayError) -> Double? {
        guard let value = members[name], !value.isNull else { return nil }
        guard let number = value.doubleValue, number.isFinite else { throw GatewayError.badRequest("'\(name)' must be a number", field: name) }
        guard range.contains(number) else {
            throw GatewayError.badRequest("'\(name)' must be from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return number
    }

    /// A whole-number field.
    public func integer(_ name: String, range: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)) throws(GatewayError) -> Int? {
        guard let value = members[name], !value.isNull else { return nil }
        guard let number = value.integer(as: Int.self) else { throw GatewayError.badRequest("'\(name)' must be a whole number", field: name) }
        guard range.contains(number) else {
            throw GatewayError.badRequest("'\(name)' must be from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return number
    }

    /// A list of strings.
    public func strings(_ name: String, maxCount: Int = 100) throws(GatewayError) -> [String]? {
        guard let value = members[name], !value.isNull else { return nil }
        guard let array = value.arrayValue, array.count <= maxCount else {
            throw GatewayError.badRequest("'\(name)' must be a list of at most \(maxCount) strings", field: name)
        }
        var out: [String] = []
        for item in array {
            guard let text = item.stringValue, text.count <= 1000 else {
                throw GatewayError.badRequest("'\(name)' must be a list of strings", field: name)
            }
            out.append(text)
        }
        return out
    }

    /// A boolean field.
    public func bool(_ name: String) throws(GatewayError) -> Bool? {
        guard let value = members[name], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw GatewayError.badRequest("'\(name)' must be true or false", field: name) }
        return flag
    }
}

/// Query parameters, read with 400s that name the parameter.
struct QueryParameters {
    let values: [String: String]

    func integer(_ name: String, range: ClosedRange<Int>) throws(GatewayError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw GatewayError.badRequest("query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return value
    }

    func bool(_ name: String) throws(GatewayError) -> Bool? {
        guard let text = values[name] else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw GatewayError.badRequest("query parameter '\(name)' must be true or false", field: name)
        }
    }

    func choice(_ name: String, _ choices: [String]) throws(GatewayError) -> String? {
        guard let text = values[name] else { return nil }
        guard choices.contains(text) else {
            throw GatewayError.badRequest("query parameter '\(name)' must be one of \(choices.joined(separator: ", "))", field: name)
        }
        return text
    }
}
