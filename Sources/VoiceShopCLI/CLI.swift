internal import Foundation
internal import Protos
internal import RPCCore
internal import RPCHTTP2Transport

/// `voiceshop`: call any VoiceShop RPC with JSON in and JSON out, check health, list methods.
public enum CLI {
    /// The usage text.
    public static let usage = """
        usage:
          voiceshop call HOST:PORT package.Service/Method [JSON] [--timeout DURATION] [-H key:value]... [--pretty]
              JSON is the request; without it, requests are read from stdin, one JSON object per
              line (for client and bidi streaming, each line is one message). Each response is
              printed as one JSON line. DURATION: 500ms, 2s, 1m.
          voiceshop health HOST:PORT [SERVICE] [--timeout DURATION]
              Prints SERVING or NOT_SERVING; exits 0 only when serving.
          voiceshop list [SERVICE]
              Lists the methods VoiceShop's contracts define, with their request and response types.
          voiceshop catalog import FILE [--target HOST:PORT] [--format jsonl|csv|mercari] [--dry-run]
              Streams a catalog file to rec-svc's CatalogAdmin/ImportProducts (idempotent by sku),
              with a progress bar on a terminal. Bad rows are listed by line number; the rest is
              imported. The format follows the extension (.jsonl, .csv, .tsv = Mercari export).
              --target defaults to $VOICESHOP_REC_ADDR or 127.0.0.1:50063.
          voiceshop catalog stats [--target HOST:PORT]
          voiceshop trace REQUEST_ID [LOG_FILE...] [--json]
              Assembles the spans of one request (or trace id) from the services' JSON logs (files, or
              stdin) into a tree: each hop's service, method, status, duration and start offset.
          voiceshop funnel [--target HOST:PORT] [--since AGO] [--until AGO] [--json]
              The voice funnel from rec-svc over a window (default: the 24h before now): utterances,
              results shown, clicks, adds to cart and purchases, overall, by ASR confidence bucket and by
              intent. AGO is a duration before now: 30m, 24h, 7d.
        exit status: 0 on OK, 1 when the call fails (the gRPC status is printed on stderr) or an import
        had bad rows, 2 on bad usage.
        """

    /// A failure that ends the command with `status`.
    public struct Failure: Error, CustomStringConvertible {
        public let status: Int32
        public let description: String
    }

    /// Runs a command.
    /// - Parameters:
    ///   - arguments: the arguments after the program name.
    ///   - input: reads all of standard input (when requests come from stdin).
    ///   - output: writes one line to standard output.
    /// - Throws: `Failure` with the exit status and a message for stderr.
    public static func run(
        _ arguments: [String],
        input: (@Sendable () -> String)? = nil,
        output: @Sendable (String) -> Void = { print($0) }
    ) async throws {
        let input = input ?? { String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
        guard let command = arguments.first else { throw Failure(status: 2, description: usage) }
        var positional: [String] = []
        var timeout: Duration?
        var metadata = Metadata()
        var pretty = false
        var json = false
        var since: String?
        var until: String?
        var catalogOptions = CatalogOptions()
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--timeout":
                index += 1
                guard index < arguments.count, let parsed = parseDuration(arguments[index]) else {
                    throw Failure(status: 2, description: "--timeout needs a duration such as 500ms, 2s or 1m.")
                }
                timeout = parsed
            case "-H", "--header":
                index += 1
                guard index < arguments.count, let colon = arguments[index].firstIndex(of: ":") else {
                    throw Failure(status: 2, description: "-H needs key:value.")
                }
                let key = arguments[index][..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = arguments[index][arguments[index].index(after: colon)...].trimmingCharacters(in: .whitespaces)
                metadata.add(key, value)
            case "--pretty":
                pretty = true
            case "--json":
                json = true
            case "--since", "--until":
                index += 1
                guard index < arguments.count else { throw Failure(status: 2, description: "\(argument) needs a duration such as 24h.") }
                if argument == "--since" { since = arguments[index] } else { until = arguments[index] }
            case "--target", "--format":
                index += 1
                guard index < arguments.count else { throw Failure(status: 2, description: "\(argument) needs a value.") }
                if argument == "--target" { catalogOptions.target = arguments[index] } else { catalogOptions.format = arguments[index] }
            case "--dry-run":
                catalogOptions.dryRun = true
            case "-h", "--help":
                throw Failure(status: 0, description: usage)
            default:
                if argument.hasPrefix("--") { throw Failure(status: 2, description: "Unknown option \(argument).\n\(usage)") }
                positional.append(argument)
            }
            index += 1
        }
        switch command {
        case "call":
            guard positional.count == 2 || positional.count == 3 else { throw Failure(status: 2, description: usage) }
            let requests = positional.count == 3 ? [positional[2]] : jsonLines(input())
            try await call(
                target: positional[0], method: positional[1], requests: requests,
                options: CallOptions(timeout: timeout ?? .seconds(30), metadata: metadata), pretty: pretty, output: output)
        case "health":
            guard positional.count == 1 || positional.count == 2 else { throw Failure(status: 2, description: usage) }
            try await health(target: positional[0], service: positional.count == 2 ? positional[1] : "", timeout: timeout ?? .seconds(5), output: output)
        case "list":
            let methods = positional.first.map { ProtoRegistry.methods(ofService: $0) } ?? ProtoRegistry.methods
            guard !methods.isEmpty else { throw Failure(status: 1, description: "No service named \(positional[0]).") }
            for method in methods { output(method.description) }
        case "catalog":
            catalogOptions.timeout = timeout
            try await catalog(positional, options: catalogOptions, output: output)
        case "trace":
            try trace(positional, json: json, input: input, output: output)
        case "funnel":
            guard positional.isEmpty else { throw Failure(status: 2, description: usage) }
            catalogOptions.timeout = timeout
            try await funnel(options: catalogOptions, since: since, until: until, json: json, output: output)
        default:
            throw Failure(status: 2, description: "Unknown command '\(command)'.\n\(usage)")
        }
    }

    /// Calls `method` with JSON requests and prints each response as JSON.
    static func call(
        target: String, method path: String, requests: [String], options: CallOptions, pretty: Bool,
        output: @Sendable (String) -> Void
    ) async throws {
        let fullPath = path.hasPrefix("/") ? path : "/" + path
        guard let method = ProtoRegistry.method(path: fullPath) else {
            throw Failure(status: 2, description: "Unknown method \(path). `voiceshop list` shows the methods.")
        }
        if !method.descriptor.kind.clientStreams && requests.count != 1 {
            throw Failure(status: 2, description: "\(method.descriptor) takes exactly one request; got \(requests.count).")
        }
        let encoded: [RawMessage]
        do {
            encoded = try requests.map { RawMessage(try ProtoJSON.encode(json: $0, messageName: method.input.fullName)) }
        } catch {
            throw Failure(status: 2, description: "Bad request JSON for \(method.input.fullName): \(error)")
        }
        let channel = try HTTP2Channel(target: target)
        defer { channel.close() }
        do {
            try await channel.withStream(method.descriptor, options: options) { stream in
                for message in encoded { try await stream.write(message.bytes) }
                try await stream.closeSend()
                while let bytes = try await stream.nextMessage() {
                    output(try ProtoJSON.decode(bytes, messageName: method.output.fullName, pretty: pretty))
                }
            }
        } catch let error as RPCError {
            throw Failure(status: 1, description: "ERROR \(error.code.name) (\(error.code.rawValue)): \(error.message)")
        }
    }

    static func health(target: String, service: String, timeout: Duration, output: @Sendable (String) -> Void) async throws {
        let channel = try HTTP2Channel(target: target)
        defer { channel.close() }
        let client = HealthV1.Health.Client(channel: channel)
        do {
            let response = try await client.check(HealthV1.HealthCheckRequest(service: service), options: CallOptions(timeout: timeout))
            let name = response.status.protoName ?? "\(response.status.rawValue)"
            output(name)
            guard response.status == .serving else { throw Failure(status: 1, description: "\(target) is \(name)") }
        } catch let error as RPCError {
            throw Failure(status: 1, description: "ERROR \(error.code.name): \(error.message)")
        }
    }

    /// Splits stdin into JSON messages, one per non-empty line.
    static func jsonLines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// Parses `500ms`, `2s`, `1m`, `250us`.
    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, (Int64) -> Duration)] = [
            ("ms", { .milliseconds($0) }), ("us", { .microseconds($0) }), ("s", { .seconds($0) }), ("m", { .seconds($0 * 60) }),
        ]
        for (suffix, make) in units where text.hasSuffix(suffix) {
            if let value = Int64(text.dropLast(suffix.count)), value >= 0 { return make(value) }
        }
        return nil
    }
}
