internal import Foundation
internal import Protos
internal import RPCCore
internal import RPCHTTP2Transport

/// `voiceshop funnel`: the voice funnel from rec-svc's `CatalogAdmin/Funnel`, as a table or
/// JSON: utterances → results shown → click → add to cart → purchase, overall, by ASR
/// confidence bucket and by intent, so it shows whether misrecognition costs conversions.
extension CLI {
    static func funnel(options: CatalogOptions, since: String?, until: String?, json: Bool, output: @Sendable (String) -> Void) async throws {
        func ago(_ text: String?, flag: String) throws -> Int64 {
            guard let text else { return 0 }
            guard let duration = parseWindow(text) else {
                throw Failure(status: 2, description: "\(flag) needs a duration before now, such as 30m, 24h or 7d; not '\(text)'.")
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            return now - Int64(duration.components.seconds) * 1000
        }
        var request = RecV1.FunnelRequest()
        request.sinceMs = try ago(since, flag: "--since")
        request.untilMs = try ago(until, flag: "--until")
        let channel = try HTTP2Channel(target: options.resolvedTarget)
        defer { channel.close() }
        let report: RecV1.FunnelResponse
        do {
            report = try await RecV1.CatalogAdmin.Client(channel: channel).funnel(
                request, options: CallOptions(timeout: options.timeout ?? .seconds(30)))
        } catch let error as RPCError {
            throw Failure(status: 1, description: "ERROR \(error.code.name): \(error.message)")
        }
        if json {
            output(report.jsonText)
            return
        }
        for line in funnelTable(report) { output(line) }
    }

    /// `90s`, `30m`, `24h`, `7d`.
    static func parseWindow(_ text: String) -> Duration? {
        if text.hasSuffix("h"), let hours = Int64(text.dropLast()), hours >= 0 { return .seconds(hours * 3600) }
        if text.hasSuffix("d"), let days = Int64(text.dropLast()), days >= 0 { return .seconds(days * 86_400) }
        return parseDuration(text)
    }

    /// The report as aligned text lines, each stage with its share of the utterances.
    static func funnelTable(_ report: RecV1.FunnelResponse) -> [String] {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "UTC")
        func date(_ ms: Int64) -> String { formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)) }
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let space = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + space : space + text
        }
        func row(_ name: String, _ stages: RecV1.FunnelStages) -> String {
            let base = max(1, stages.utterances)
            let cells = [stages.resultsShown, stages.clicked, stages.addedToCart, stages.purchased].map { count in
                pad("\(count) (\(Int((Double(count) / Double(base) * 100).rounded()))%)", 13)
            }
            return pad(name, 20, left: true) + pad(String(stages.utterances), 11) + cells.joined()
        }
        var lines = [
            "voice funnel \(date(report.sinceMs)) to \(date(report.untilMs)) UTC",
            pad("", 20, left: true) + pad("utterances", 11) + ["shown", "clicked", "to cart", "purchased"].map { pad($0, 13) }.joined(),
            row("overall", report.overall ?? RecV1.FunnelStages()),
        ]
        if !report.byConfidence.isEmpty {
            lines.append("by ASR confidence")
            for group in report.byConfidence { lines.append(row("  " + group.key, group.stages ?? RecV1.FunnelStages())) }
        }
        if !report.byIntent.isEmpty {
            lines.append("by intent")
            for group in report.byIntent { lines.append(row("  " + group.key, group.stages ?? RecV1.FunnelStages())) }
        }
        return lines
    }
}
