internal import Postgres
internal import Protos

/// The voice funnel: utterances recorded by the gateway, joined to the events that carry
/// their request ids.
enum FunnelStore {
    /// The confidence buckets, lowest first; typed requests are "text".
    static let buckets: [(key: String, upper: Float)] = [("0.0-0.5", 0.5), ("0.5-0.7", 0.7), ("0.7-0.9", 0.9), ("0.9-1.0", 1.01)]

    /// Stores an utterance; false when its request id was stored before.
    static func record(_ request: RecV1.RecordUtteranceRequest, _ connection: PostgresConnection) throws -> Bool {
        let voice = request.source == "voice"
        let rows = try connection.query(
            """
            INSERT INTO utterances (request_id, source, intent, asr_confidence, results_shown, occurred_at)
            VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::bigint > 0 THEN to_timestamp($6::bigint / 1000.0) ELSE now() END)
            ON CONFLICT (request_id) DO NOTHING
            RETURNING request_id
            """,
            [
                .text(request.requestID), .text(request.source), .text(request.intent),
                voice ? .double(Double(request.asrConfidence)) : .null, .int(Int64(request.resultsShown)), .int(request.occurredAtMs),
            ])
        return !rows.isEmpty
    }

    /// The funnel of the utterances in [since, until), in milliseconds since the epoch.
    static func report(sinceMs: Int64, untilMs: Int64, _ connection: PostgresConnection) throws -> RecV1.FunnelResponse {
        let rows = try connection.query(
            """
            WITH u AS (
                SELECT request_id, intent, results_shown > 0 AS shown,
                       CASE WHEN asr_confidence IS NULL THEN 'text'
                            WHEN asr_confidence < 0.5 THEN '0.0-0.5'
                            WHEN asr_confidence < 0.7 THEN '0.5-0.7'
                            WHEN asr_confidence < 0.9 THEN '0.7-0.9'
                            ELSE '0.9-1.0' END AS bucket
                  FROM utterances
                 WHERE occurred_at >= to_timestamp($1::bigint / 1000.0) AND occurred_at < to_timestamp($2::bigint / 1000.0)
            ), e AS (
                SELECT e.request_id,
                       bool_or(e.type = 'click') AS clicked,
                       bool_or(e.type = 'add_to_cart') AS carted,
                       bool_or(e.type = 'purchase') AS purchased
                  FROM events e JOIN u ON u.request_id = e.request_id
                 GROUP BY e.request_id
            )
            SELECT CASE WHEN grouping(u.bucket) = 0 THEN 'confidence' WHEN grouping(u.intent) = 0 THEN 'intent' ELSE 'overall' END AS kind,
                   coalesce(u.bucket, u.intent, '') AS key,
                   count(*) AS utterances,
                   count(*) FILTER (WHERE u.shown) AS shown,
                   count(*) FILTER (WHERE e.clicked) AS clicked,
                   count(*) FILTER (WHERE e.carted) AS carted,
                   count(*) FILTER (WHERE e.purchased) AS purchased
              FROM u LEFT JOIN e ON e.request_id = u.request_id
             GROUP BY GROUPING SETS ((), (u.bucket), (u.intent))
             ORDER BY kind, utterances DESC, key
            """, [.int(sinceMs), .int(untilMs)])
        var response = RecV1.FunnelResponse()
        response.sinceMs = sinceMs
        response.untilMs = untilMs
        response.overall = RecV1.FunnelStages()
        for row in rows {
            func count(_ name: String) -> Int64 { Int64(row[name] ?? "") ?? 0 }
            let stages = RecV1.FunnelStages(
                utterances: count("utterances"), resultsShown: count("shown"), clicked: count("clicked"), addedToCart: count("carted"),
                purchased: count("purchased"))
            let key = row["key"] ?? ""
            switch row["kind"] {
            case "overall": response.overall = stages
            case "confidence": response.byConfidence.append(RecV1.FunnelGroup(key: key, stages: stages))
            default: response.byIntent.append(RecV1.FunnelGroup(key: key, stages: stages))
            }
        }
        // Every bucket, in its natural order (text first), empty ones too.
        let order = ["text"] + buckets.map(\.key)
        for key in order where !response.byConfidence.contains(where: { $0.key == key }) {
            response.byConfidence.append(RecV1.FunnelGroup(key: key, stages: RecV1.FunnelStages()))
        }
        response.byConfidence.sort { (order.firstIndex(of: $0.key) ?? 99) < (order.firstIndex(of: $1.key) ?? 99) }
        return response
    }
}
