extension JSONValue {
    /// The value as JSON text.
    ///
    /// - Object keys are sorted by their UTF-8 bytes (for ASCII: `A`–`Z` before `a`–`z`, digits
    ///   compared one at a time), so equal values always print the same.
    /// - Strings escape `"`, `\` and the control characters U+0000–U+001F (`\b \f \n \r \t`, the
    ///   others as `\u001f`); `/` and all other characters are written as they are.
    /// - Numbers are written as their text.
    /// - Parameter pretty: one element or member per line, indented by two spaces per level,
    ///   members as `"key" : value`; empty arrays and objects stay `[]` and `{}`. Without it,
    ///   there is no whitespace at all.
    public func serialized(pretty: Bool = false) -> String {
        var writer = JSONWriter(pretty: pretty)
        writer.write(self, indent: 0)
        return String(decoding: writer.output, as: UTF8.self)
    }
}
