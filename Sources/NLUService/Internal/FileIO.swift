internal import Glibc
internal import ServiceRuntime

/// Whole-file reads and writes with the C library (services do not link Foundation).
enum FileIO {
    /// The bytes of the file at `path`.
    /// - Throws: `NLUError` with the path and `strerror` when it cannot be read.
    static func read(_ path: String) throws -> [UInt8] {
        do { return try FileBytes.read(path) } catch { throw NLUError(code: .badData, message: error.description) }
    }

    /// The text of the file at `path` (invalid UTF-8 repaired).
    static func readText(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Replaces the file at `path` with `bytes` (written to a temporary file, then renamed).
    static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "wb") else {
            throw NLUError(code: .badData, message: "cannot write \(path): \(errorText())")
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw NLUError(code: .badData, message: "cannot write \(path): \(errorText())")
        }
    }

    /// The names of the regular files in `directory`, sorted.
    static func files(in directory: String) throws -> [String] {
        guard let handle = opendir(directory) else {
            throw NLUError(code: .badData, message: "cannot list \(directory): \(errorText())")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            var status = stat()
            if stat(directory + "/" + name, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG { names.append(name) }
        }
        return names.sorted()
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
