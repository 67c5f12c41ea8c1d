internal import ServiceRuntime

/// The web page's files and the OpenAPI spec, read once at start and served from memory.
public struct StaticAssets: Sendable {
    /// The files of the web page besides index.html.
    static let names: Set<String> = ["app.js", "style.css", "favicon.svg"]

    /// index.html.
    public var index: [UInt8]
    /// The other files by name, with their content types.
    public var files: [String: (contentType: String, body: [UInt8])]
    /// The OpenAPI document.
    public var openAPI: [UInt8]

    /// Assets given directly (tests).
    public init(index: [UInt8], files: [String: (contentType: String, body: [UInt8])] = [:], openAPI: [UInt8]) {
        self.index = index
        self.files = files
        self.openAPI = openAPI
    }

    /// Reads the page from `webDirectory` and the spec from `openAPIFile`.
    /// - Throws: `GatewayConfiguration.ConfigurationError` naming a missing file.
    public static func load(webDirectory: String, openAPIFile: String) throws -> StaticAssets {
        var files: [String: (contentType: String, body: [UInt8])] = [:]
        for name in names {
            let path = webDirectory + "/" + name
            guard let body = try? readFile(path) else { continue }
            let type =
                name.hasSuffix(".js")
                ? "text/javascript; charset=utf-8" : name.hasSuffix(".css") ? "text/css; charset=utf-8" : "image/svg+xml"
            files[name] = (type, body)
        }
        do {
            return StaticAssets(index: try readFile(webDirectory + "/index.html"), files: files, openAPI: try readFile(openAPIFile))
        } catch {
            throw GatewayConfiguration.ConfigurationError("\(error) (set --web-dir and --openapi-file, or run from the repository root)")
        }
    }

    /// Reads a whole file.
    /// - Throws: `GatewayConfiguration.ConfigurationError` when it cannot be read.
    public static func readFile(_ path: String) throws -> [UInt8] {
        do { return try FileBytes.read(path) } catch { throw GatewayConfiguration.ConfigurationError(error.description) }
    }
}
