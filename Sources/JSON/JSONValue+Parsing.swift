extension JSONValue {
    /// How deeply arrays and objects may nest unless a parser is told otherwise.
    public static let defaultMaximumDepth = 512

    /// Parses JSON text given as UTF-8 bytes, strictly as RFC 8259 defines it.
    ///
    /// - One value of any kind (not only an object or array), with only spaces, tabs, line
    ///   feeds and carriage returns around it; a leading UTF-8 byte order mark is skipped.
    /// - No leading zeros (`01`), no `+1`, `.5`, `1.` or `1e`; numbers keep their text.
    /// - Strings must be valid UTF-8 with no raw control characters (U+0000–U+001F); escapes are
    ///   `\" \\ \/ \b \f \n \r \t \uXXXX`, and a `\u` surrogate must be a high one followed by
    ///   a low one.
    /// - No key twice in one object (Swift `String` equality, so canonically equivalent keys
    ///   are the same key).
    /// - Parameters:
    ///   - bytes: the UTF-8 text.
    ///   - maximumDepth: how many arrays and objects may nest inside one another.
    /// - Throws: ``JSONError``, saying what is wrong and where.
    public init(parsing bytes: some Collection<UInt8>, maximumDepth: Int = defaultMaximumDepth) throws(JSONError) {
        var parser = JSONParser(Array(bytes), maximumDepth: maximumDepth)
        self = try parser.parse()
    }

    /// Parses JSON text strictly, with the same rules as for UTF-8 bytes.
    /// - Parameters:
    ///   - text: the JSON text.
    ///   - maximumDepth: how many arrays and objects may nest inside one another.
    /// - Throws: ``JSONError``, saying what is wrong and where.
    public init(parsing text: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONError) {
        try self.init(parsing: text.utf8, maximumDepth: maximumDepth)
    }
}
