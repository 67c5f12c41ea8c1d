internal import Foundation
internal import Protos
internal import RPCCore
internal import RPCHTTP2Transport

/// `voiceshop catalog …`: catalog administration against rec-svc.
struct CatalogOptions {
    var target: String?
    var format: String?
    var dryRun = false
    var timeout: Duration?

    var resolvedTarget: String {
        target ?? ProcessInfo.processInfo.environment["VOICESHOP_REC_ADDR"] ?? "127.0.0.1:50063"
    }
}

extension CLI {
    static func catalog(_ positional: [String], options: CatalogOptions, output: @Sendable (String) -> Void) async throws {
        switch positional.first {
        case "import":
            guard positional.count == 2 else { throw Failure(status: 2, description: "usage: voiceshop catalog import FILE") }
            try await importCatalog(path: positional[1], options: options, output: output)
        case "stats":
            let channel = try HTTP2Channel(target: options.resolvedTarget)
            defer { channel.close() }
            do {
                let stats = try await RecV1.CatalogAdmin.Client(channel: channel).stats(
                    RecV1.StatsRequest(), options: CallOptions(timeout: options.timeout ?? .seconds(10)))
                output(stats.jsonText)
            } catch let error as RPCError {
                throw Failure(status: 1, description: "ERROR \(error.code.name): \(error.message)")
            }
        default:
            throw Failure(status: 2, description: "usage: voiceshop catalog import FILE | voiceshop catalog stats")
        }
    }

    /// The import format of a file: `--format`, else its extension.
    static func importFormat(path: String, given: String?) throws -> RecV1.ImportFormat {
        let name = (given ?? URL(fileURLWithPath: path).pathExtension).lowercased()
        switch name {
        case "jsonl", "ndjson", "json": return .jsonl
        case "csv": return .csv
        case "tsv", "mercari": return .mercariTsv
        default:
            throw Failure(status: 2, description: "Cannot tell the format of \(path): give --format jsonl, csv or mercari.")
        }
    }

    static func importCatalog(path: String, options: CatalogOptions, output: @Sendable (String) -> Void) async throws {
        let format = try importFormat(path: path, given: options.format)
        guard let reader = LineReader(path: path) else {
            throw Failure(status: 1, description: "Cannot open \(path): \(String(cString: strerror(errno))).")
        }
        let progress = Progress(totalBytes: reader.size, enabled: isatty(2) == 1)
        let channel = try HTTP2Channel(target: options.resolvedTarget)
        defer { channel.close() }
        let client = RecV1.CatalogAdmin.Client(channel: channel)
        let response: RecV1.ImportProductsResponse
        do {
            response = try await client.importProducts(options: CallOptions(timeout: options.timeout ?? .seconds(3_600))) { writer in
                var importOptions = RecV1.ImportOptions()
                importOptions.format = format
                importOptions.dryRun = options.dryRun
                importOptions.source = URL(fileURLWithPath: path).lastPathComponent
                try await writer.write(RecV1.ImportProductsRequest(options: importOptions))
                var record = ""
                var firstLine: Int32 = 0
                while let (number, line) = reader.next() {
                    if record.isEmpty { firstLine = number } else { record += "\n" }
                    record += line
                    // A CSV record continues on the next line while a quoted field is open.
                    if format == .csv && csvQuoteOpen(record) { continue }
                    if !record.allSatisfy(\.isWhitespace) {
                        try await writer.write(RecV1.ImportProductsRequest(lineNumber: firstLine, row: .text(record)))
                    }
                    record = ""
                    progress.update(bytes: reader.offset, rows: Int(number))
                }
                if !record.isEmpty {
                    try await writer.write(RecV1.ImportProductsRequest(lineNumber: firstLine, row: .text(record)))
                }
            }
        } catch let error as RPCError {
            progress.finish()
            throw Failure(status: 1, description: "ERROR \(error.code.name): \(error.message)")
        }
        progress.finish()
        output(
            "\(options.dryRun ? "checked" : "imported") \(path): \(response.rowsReceived) rows, \(response.rowsCreated) created, "
                + "\(response.rowsUpdated) updated, \(response.rowsUnchanged) unchanged, \(response.rowsFailed) failed "
                + "in \(String(format: "%.1f", response.elapsedSeconds)) s (vocabulary version \(response.vocabularyVersion))")
        for error in response.errors {
            let field = error.field.isEmpty ? "" : "\(error.field): "
            let sku = error.sku.isEmpty ? "" : " (sku \(error.sku))"
            output("line \(error.lineNumber): \(field)\(error.message)\(sku)")
        }
        if response.errorsTruncated { output("… more failed rows than listed") }
        if response.rowsFailed > 0 {
            throw Failure(status: 1, description: "\(response.rowsFailed) rows were not imported (listed above).")
        }
    }

    static func csvQuoteOpen(_ text: String) -> Bool {
        text.utf8.reduce(false) { open, byte in byte == UInt8(ascii: "\"") ? !open : open }
    }
}

/// Reads a file line by line without loading it whole.
final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0
    private var number: Int32 = 0
    let size: Int

    init?(path: String) {
        guard let file = fopen(path, "r") else { return nil }
        self.file = file
        var info = stat()
        size = fstat(fileno(file), &info) == 0 ? Int(info.st_size) : 0
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    var offset: Int { Int(ftell(file)) }

    /// The next line (without its newline) and its 1-based number.
    func next() -> (Int32, String)? {
        let length = getline(&buffer, &capacity, file)
        guard length >= 0, let buffer else { return nil }
        number += 1
        var text = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
        while text.last == "\n" || text.last == "\r\n" || text.last == "\r" { text.removeLast() }
        return (number, text)
    }
}

/// A progress bar on stderr, when it is a terminal.
final class Progress: @unchecked Sendable {
    // @unchecked Sendable: used from the one task that streams the import.
    private let totalBytes: Int
    private let enabled: Bool
    private let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    private var drawn = false

    init(totalBytes: Int, enabled: Bool) {
        self.totalBytes = max(totalBytes, 1)
        self.enabled = enabled
    }

    func update(bytes: Int, rows: Int) {
        guard enabled, ContinuousClock.now - lastDraw > .milliseconds(100) else { return }
        lastDraw = .now
        drawn = true
        let fraction = min(1, Double(bytes) / Double(totalBytes))
        let width = 30
        let filled = Int(fraction * Double(width))
        let elapsed = Double((ContinuousClock.now - start) / .milliseconds(1)) / 1000
        let rate = elapsed > 0 ? Int(Double(rows) / elapsed) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(Int(fraction * 100))% \(rows) rows \(rate) rows/s ".utf8))
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

extension ProtoMessage {
    /// The message as one line of JSON.
    var jsonText: String {
        (try? ProtoJSON.decode(serializedBytes(), messageName: Self.protoMessageName, pretty: false)) ?? "{}"
    }
}
