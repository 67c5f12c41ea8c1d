internal import Foundation
internal import JSON

/// `voiceshop trace REQUEST_ID [LOG…]`: the spans of one request, assembled from the services'
/// JSON logs into a tree with each hop's timing.
///
/// Every service logs one line per call (`msg` `rpc`, from the gRPC server) or per HTTP
/// request (`msg` `http`, from the gateway) with `request_id`, `trace_id`, `span_id`,
/// `parent_span_id` and `duration_ms`. The command keeps the lines of the request's traces,
/// links each span to its parent, and prints the tree with start offsets (from the log
/// timestamps, millisecond precision) and durations, then the time per service.
struct TraceSpan: Sendable {
    var service: String
    var name: String
    var status: String
    var traceID: String
    var spanID: String
    var parentSpanID: String?
    var requestID: String
    var durationMS: Double
    /// Milliseconds since the epoch when the span ended (the log line's `ts`).
    var endMS: Double
    var startMS: Double { endMS - durationMS }
}

/// A span with the spans it called.
struct TraceNode: Sendable {
    var span: TraceSpan
    var children: [TraceNode]
}

extension CLI {
    static func trace(_ positional: [String], json: Bool, input: @Sendable () -> String, output: @Sendable (String) -> Void) throws {
        guard let requestID = positional.first else {
            throw Failure(status: 2, description: "usage: voiceshop trace REQUEST_ID [LOG_FILE…] (no file or - reads stdin)")
        }
        var text = ""
        let files = positional.dropFirst()
        if files.isEmpty || files == ["-"] {
            text = input()
        } else {
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw Failure(status: 2, description: "Cannot read \(file).")
                }
                text += String(decoding: data, as: UTF8.self) + "\n"
            }
        }
        let roots = assembleTrace(requestID: requestID, spans: parseSpans(text))
        guard !roots.isEmpty else { throw Failure(status: 1, description: "No spans of request \(requestID) in the logs given.") }
        if json {
            for root in roots { output(nodeJSON(root, origin: root.span.startMS).serialized()) }
            return
        }
        for root in roots {
            output("trace \(root.span.traceID)  request \(requestID)  \(format(root.span.durationMS)) ms")
            printNode(root, origin: root.span.startMS, prefix: "", childPrefix: "", output: output)
            var perService: [String: Double] = [:]
            var order: [String] = []
            func add(_ node: TraceNode) {
                if perService[node.span.service] == nil { order.append(node.span.service) }
                perService[node.span.service, default: 0] += node.span.durationMS
                node.children.forEach(add)
            }
            root.children.forEach(add)
            if !order.isEmpty {
                output("time per service: " + order.map { "\($0) \(format(perService[$0]!)) ms" }.joined(separator: ", "))
            }
        }
    }

    /// The spans in JSON log text; lines that are not span lines are skipped.
    static func parseSpans(_ text: String) -> [TraceSpan] {
        var spans: [TraceSpan] = []
        for line in text.split(whereSeparator: \.isNewline) where line.contains("\"span_id\"") {
            guard let start = line.firstIndex(of: "{"), let value = try? JSONValue(parsing: String(line[start...])),
                let traceID = value["trace_id"]?.stringValue, let spanID = value["span_id"]?.stringValue,
                let duration = value["duration_ms"]?.doubleValue, let timestamp = value["ts"]?.stringValue.flatMap(parseTimestamp)
            else { continue }
            let message = value["msg"]?.stringValue ?? ""
            let name: String
            let status: String
            if message == "http" {
                name = "\(value["method"]?.stringValue ?? "") \(value["route"]?.stringValue ?? "")"
                status = value["status"].map { $0.stringValue ?? $0.serialized() } ?? ""
            } else {
                name = value["method"]?.stringValue ?? message
                status = value["code"]?.stringValue ?? ""
            }
            spans.append(
                TraceSpan(
                    service: value["service"]?.stringValue ?? "?", name: name, status: status, traceID: traceID, spanID: spanID,
                    parentSpanID: value["parent_span_id"]?.stringValue, requestID: value["request_id"]?.stringValue ?? "",
                    durationMS: duration, endMS: timestamp))
        }
        return spans
    }

    /// The trees of the traces that `requestID` appears in, roots first by start time.
    static func assembleTrace(requestID: String, spans: [TraceSpan]) -> [TraceNode] {
        let traces = Set(spans.filter { $0.requestID == requestID || $0.traceID == requestID }.map(\.traceID))
        let members = spans.filter { traces.contains($0.traceID) }
        let ids = Set(members.map(\.spanID))
        var children: [String: [TraceSpan]] = [:]
        var roots: [TraceSpan] = []
        for span in members {
            if let parent = span.parentSpanID, ids.contains(parent), parent != span.spanID {
                children[parent, default: []].append(span)
            } else {
                roots.append(span)
            }
        }
        var visited: Set<String> = []
        func build(_ span: TraceSpan) -> TraceNode {
            visited.insert(span.spanID)
            let kids = (children[span.spanID] ?? []).filter { !visited.contains($0.spanID) }.sorted { $0.startMS < $1.startMS }
            return TraceNode(span: span, children: kids.map(build))
        }
        return roots.sorted { $0.startMS < $1.startMS }.map(build)
    }

    private static func printNode(_ node: TraceNode, origin: Double, prefix: String, childPrefix: String, output: @Sendable (String) -> Void) {
        let span = node.span
        output("\(prefix)\(span.service)  \(span.name)  \(span.status)  \(format(span.durationMS)) ms  (starts +\(format(max(0, span.startMS - origin))) ms)")
        for (index, child) in node.children.enumerated() {
            let last = index == node.children.count - 1
            printNode(child, origin: origin, prefix: childPrefix + (last ? "└─ " : "├─ "), childPrefix: childPrefix + (last ? "   " : "│  "), output: output)
        }
    }

    private static func nodeJSON(_ node: TraceNode, origin: Double) -> JSONValue {
        let span = node.span
        return .object([
            "service": .string(span.service), "name": .string(span.name), "status": .string(span.status),
            "trace_id": .string(span.traceID), "span_id": .string(span.spanID),
            "parent_span_id": span.parentSpanID.map(JSONValue.string) ?? .null,
            "duration_ms": .number(format(span.durationMS)), "start_offset_ms": .number(format(max(0, span.startMS - origin))),
            "children": .array(node.children.map { nodeJSON($0, origin: origin) }),
        ])
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// `2026-12-04T20:55:29.903Z` → milliseconds since the epoch.
    static func parseTimestamp(_ text: String) -> Double? {
        let digits = Array(text.utf8)
        guard digits.count >= 20, digits[4] == UInt8(ascii: "-"), digits[10] == UInt8(ascii: "T") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in digits[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var millis = 0
        if digits.count >= 23, digits[19] == UInt8(ascii: "."), let fraction = number(20..<23) { millis = fraction }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        return Double(((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + Double(millis)
    }
}
