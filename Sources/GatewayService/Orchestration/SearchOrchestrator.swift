public import JSON
public import Protos
internal import RPCCore
internal import ServiceRuntime

/// What a search request carries: typed text, or audio with what is known about it.
public struct SearchInput: Sendable {
    /// Typed text (text search), or `nil` for audio.
    public var text: String?
    /// Audio bytes and their description (voice search).
    public var audio: [UInt8]?
    public var audioInfo: AudioInput?
    /// Phrases that bias recognition (for example the products on screen).
    public var hints: [String] = []
    /// The BCP-47 language tag; empty means en-US.
    public var locale = ""
    /// The shopper (pseudonymous), or empty.
    public var userID = ""
    /// The conversation.
    public var sessionID = ""

    /// Creates an input.
    public init(text: String? = nil, audio: [UInt8]? = nil, audioInfo: AudioInput? = nil) {
        self.text = text
        self.audio = audio
        self.audioInfo = audioInfo
    }
}

/// Runs a search request through the chain, asr-svc → nlu-svc → rec-svc, within its
/// deadline, and writes the JSON answer with its spoken `reply`.
///
/// - The deadline is split: ASR may use 60% of the time left, NLU 40% of what is left after
///   it, and rec-svc all but a small reserve of the rest; each share is the call's `grpc-timeout`.
/// - Low NLU confidence gets a clarifying question instead of an action.
/// - Intents become rec-svc calls (search, product, reviews, cart, checkout, orders, returns).
/// - When a hop fails, the error keeps what is known so far (the transcript, the intent) in
///   its details, so a client can still show what was heard.
public struct SearchOrchestrator: Sendable {
    let downstreams: Downstreams
    let sessions: SessionStore
    let metrics: GatewayMetrics
    /// Sends the voice funnel's utterances to rec-svc in batches.
    let recorder: UtteranceRecorder

    /// Creates an orchestrator.
    public init(downstreams: Downstreams, sessions: SessionStore, metrics: GatewayMetrics) {
        self.downstreams = downstreams
        self.sessions = sessions
        self.metrics = metrics
        let rec = downstreams.rec
        recorder = UtteranceRecorder(metrics: metrics) { batch in
            var request = RecV1.RecordUtterancesRequest()
            request.utterances = batch
            _ = try await rec.recordUtterances(request, options: CallOptions(timeout: .seconds(5)))
        }
    }

    /// What has been learned so far, for the answer and for error details.
    struct Progress {
        var transcript: String?
        var alternatives: [ASRV1.Alternative] = []
        var parse: NLUV1.ParseResponse?
        var timings: [String: Double] = [:]

        var details: [String: JSONValue] {
            var details: [String: JSONValue] = [:]
            if let transcript { details["transcript"] = .string(transcript) }
            if let parse {
                details["intent"] = .string(JSONMapping.intentName(parse.intent))
                details["corrected_text"] = .string(parse.correctedText)
            }
            return details
        }
    }

    /// Serves a partial transcript to a streaming client as ASR produces it.
    public typealias PartialSink = @Sendable (String) -> Void

    /// Runs the chain.
    /// - Parameters:
    ///   - recognized: a finished ASR result (from a stream); when given, ASR is not called.
    /// - Returns: the JSON answer in the contract's shape.
    /// - Throws: `GatewayError` with the transcript (if any) in its details.
    public func run(
        _ input: SearchInput, context: RequestContext, recognized: ASRV1.RecognizeResponse? = nil, asrSeconds: Double? = nil
    ) async throws(GatewayError) -> JSONValue {
        var progress = Progress()
        do {
            return try await runStages(input, context: context, recognized: recognized, asrSeconds: asrSeconds, progress: &progress)
        } catch {
            var error = error
            for (key, value) in progress.details where error.details[key] == nil { error.details[key] = value }
            throw error
        }
    }

    private func timed<T>(_ stage: String, _ progress: inout Progress, _ body: () async throws -> T) async throws(GatewayError) -> T {
        let start = ContinuousClock.now
        defer {
            let seconds = Double((ContinuousClock.now - start) / .microseconds(1)) / 1e6
            progress.timings[stage, default: 0] += seconds * 1000
            metrics.stage(stage, seconds: seconds)
        }
        do {
            return try await body()
        } catch {
            let service = stage == "asr" ? "asr-svc" : stage == "nlu" ? "nlu-svc" : "rec-svc"
            var mapped = GatewayError.downstream(error, service: service)
            mapped.details["stage"] = .string(stage)
            metrics.downstreamError(service: service, code: mapped.code)
            throw mapped
        }
    }

    private func runStages(
        _ input: SearchInput, context: RequestContext, recognized: ASRV1.RecognizeResponse?, asrSeconds: Double?, progress: inout Progress
    ) async throws(GatewayError) -> JSONValue {
        let sessionID = input.sessionID
        let session = sessionID.isEmpty ? SessionState() : sessions.state(sessionID)
        var text = input.text ?? ""
        context.notes.userID = input.userID
        if let typed = input.text { context.notes.text("query", typed) }

        // 1. Speech to text.
        if let recognized {
            progress.alternatives = recognized.alternatives
            if let asrSeconds { progress.timings["asr"] = asrSeconds * 1000 }
        } else if let audio = input.audio {
            var request = ASRV1.RecognizeRequest()
            var config = ASRV1.RecognitionConfig()
            if let info = input.audioInfo, info.format == .pcm16 {
                config.format = .pcm16
                config.sampleRate = Int32(info.sampleRate)
                config.channels = Int32(info.channels)
            } else {
                config.format = .wav
            }
            config.hints = input.hints
            config.userID = input.userID
            config.locale = input.locale
            config.maxAlternatives = 3
            request.config = config
            request.audio = audio
            let options = try context.options(share: 0.6, stage: "asr")
            let response = try await timed("asr", &progress) { try await downstreams.asr.recognize(request, options: options) }
            progress.alternatives = response.alternatives
        }
        if input.audio != nil || recognized != nil {
            text = progress.alternatives.first?.transcript ?? ""
            progress.transcript = text
            context.notes.text("transcript", text)
            if text.trimmingSpaces.isEmpty {
                return answer(
                    progress, context: context, sessionID: sessionID, results: [], facets: nil,
                    action: ["type": "clarify", "status": "no_speech", "details": [:]],
                    reply: "Sorry, I didn't catch that. Could you say it again?")
            }
        }

        // 2. Text to intent.
        var parseRequest = NLUV1.ParseRequest()
        parseRequest.text = text
        parseRequest.locale = input.locale
        parseRequest.alternatives = progress.alternatives.map { NLUV1.AsrAlternative(transcript: $0.transcript, confidence: $0.confidence) }
        var sessionContext = NLUV1.SessionContext()
        sessionContext.sessionID = sessionID
        sessionContext.userID = input.userID
        sessionContext.previousProductIDs = session.productIDs
        sessionContext.previousIntent = session.intent
        sessionContext.previousFilters = session.filters
        sessionContext.previousOrderID = session.orderID
        sessionContext.focusProductID = session.focusProductID
        parseRequest.context = sessionContext
        let nluOptions = try context.options(share: 0.4, stage: "nlu")
        let parse = try await timed("nlu", &progress) { try await downstreams.nlu.parse(parseRequest, options: nluOptions) }
        progress.parse = parse
        context.notes.text("corrected_text", parse.correctedText)

        // 3. Low confidence: ask instead of acting.
        if parse.lowConfidence {
            let options = parse.topIntents.prefix(2).map { JSONMapping.intentName($0.intent) }
            let phrases = options.map(Self.intentPhrase)
            let question =
                phrases.count >= 2
                ? "Sorry, I'm not sure what you meant. Did you want to \(phrases[0]) or \(phrases[1])?"
                : "Sorry, I'm not sure what you meant. Could you say it another way?"
            return answer(
                progress, context: context, sessionID: sessionID, results: [], facets: nil,
                action: ["type": "clarify", "status": "needs_confirmation", "details": ["options": .array(options.map { .string($0) })]],
                reply: question)
        }

        // 4. Intent to action.
        let user = input.userID.isEmpty ? (sessionID.isEmpty ? "" : "guest-" + sessionID) : input.userID
        var actions = IntentActions(
            downstreams: downstreams, context: context, parse: parse, session: session, userID: user, signedIn: !input.userID.isEmpty,
            sessionID: sessionID)
        let outcome = try await timed("rec", &progress) { try await actions.perform() }
        if !sessionID.isEmpty {
            sessions.update(sessionID) { state in
                if !outcome.results.isEmpty {
                    state.productIDs = outcome.results.compactMap { $0.product?.id }
                    state.focusProductID = ""  // new results: "it" is the top one again
                }
                if !outcome.focusProductID.isEmpty { state.focusProductID = outcome.focusProductID }
                state.intent = parse.intent
                if outcome.searched { state.filters = parse.filters }
                if !outcome.orderID.isEmpty { state.orderID = outcome.orderID }
                state.requestID = context.requestID
            }
        }
        return answer(
            progress, context: context, sessionID: sessionID, results: outcome.results, facets: outcome.facets, action: outcome.action,
            reply: outcome.reply, orderID: outcome.orderID)
    }

    private func answer(
        _ progress: Progress, context: RequestContext, sessionID: String, results: [RecV1.RankedProduct], facets: RecV1.Facets?,
        action: JSONValue?, reply: String, orderID: String = ""
    ) -> JSONValue {
        var object: [String: JSONValue] = ["request_id": .string(context.requestID)]
        if !sessionID.isEmpty { object["session_id"] = .string(sessionID) }
        if let transcript = progress.transcript {
            object["transcript"] = .string(transcript)
            object["alternatives"] = .array(
                progress.alternatives.map { ["transcript": .string($0.transcript), "confidence": JSONMapping.number($0.confidence)] })
        }
        let parse = progress.parse
        object["corrected_text"] = .string(parse?.correctedText ?? progress.transcript ?? "")
        object["corrections"] = .array((parse?.corrections ?? []).map { ["from": .string($0.from), "to": .string($0.to)] })
        object["intent"] = [
            "name": .string(parse.map { JSONMapping.intentName($0.intent) } ?? "unknown"),
            "confidence": JSONMapping.number(parse?.confidence ?? 0),
        ]
        object["filters"] = JSONMapping.filters(parse?.filters)
        if let parse {
            if parse.sort != .unspecified { object["sort"] = .string(JSONMapping.enumName(parse.sort, prefix: "SORT_")) }
            if parse.quantity > 0 { object["quantity"] = JSONValue(parse.quantity) }
        }
        let order = orderID.isEmpty ? (parse?.orderID ?? "") : orderID
        if !order.isEmpty { object["order_id"] = .string(order) }
        object["results"] = .array(results.map(JSONMapping.result))
        object["facets"] = JSONMapping.facets(facets)
        if let action { object["action"] = action }
        object["reply"] = .string(reply)
        let total = Double((ContinuousClock.now - context.start) / .microseconds(1)) / 1000
        var timings: [String: JSONValue] = ["total": JSONMapping.number(total, places: 3)]
        for stage in ["asr", "nlu", "rec"] {
            if let value = progress.timings[stage] { timings[stage] = JSONMapping.number(value, places: 3) }
        }
        let stages = progress.timings.values.reduce(0, +)
        metrics.stage("overhead", seconds: max(0, total - stages) / 1000)
        object["timings_ms"] = .object(timings)
        recordUtterance(progress, context: context, resultsShown: results.count)
        return .object(object)
    }

    /// Records the utterance for the voice funnel (rec-svc `RecordUtterances`, batched by
    /// `recorder`) after the answer, without delaying it: intent, ASR confidence and how many
    /// products it showed; no text and no user id. Outcomes are counted in
    /// `gateway_utterances_recorded_total`.
    private func recordUtterance(_ progress: Progress, context: RequestContext, resultsShown: Int) {
        var request = RecV1.RecordUtteranceRequest()
        request.requestID = context.requestID
        request.source = progress.transcript == nil ? "text" : "voice"
        if let parse = progress.parse {
            request.intent = parse.lowConfidence ? "unclear" : JSONMapping.intentName(parse.intent)
        } else {
            request.intent = "no_speech"
        }
        request.asrConfidence = min(1, max(0, progress.alternatives.first?.confidence ?? 0))
        request.resultsShown = Int32(resultsShown)
        request.occurredAtMs = WallClock.nowMilliseconds()
        recorder.record(request)
    }

    /// How a clarifying question names an intent.
    static func intentPhrase(_ intent: String) -> String {
        switch intent {
        case "search_products": "search for products"
        case "ask_price": "know a price"
        case "compare_prices": "compare prices"
        case "read_reviews": "hear reviews"
        case "product_details": "hear about a product"
        case "add_to_cart": "add something to your cart"
        case "remove_from_cart": "remove something from your cart"
        case "view_cart": "hear what's in your cart"
        case "checkout": "check out"
        case "order_status": "check an order"
        case "track_shipment": "track a shipment"
        case "return_item": "return an item"
        case "customer_service": "talk to customer service"
        case "greeting_help": "hear what I can do"
        default: "do something else"
        }
    }
}
