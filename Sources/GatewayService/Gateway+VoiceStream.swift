internal import JSON
internal import Protos
internal import RPCCore
internal import Synchronization

/// `GET /v1/voice-stream`: a WebSocket bridged to asr-svc's StreamingRecognize.
///
/// The client may first send a text message `{"type": "start", "format": "wav"|"pcm16",
/// "sample_rate", "channels", "session_id", "user_id", "hints", "locale"}` (the same keys
/// work as query parameters), then binary audio chunks (PCM16, or a WAV file in pieces),
/// then `{"type": "end"}` or nothing (asr-svc's voice activity detection may end the
/// utterance first). The server sends `{"type": "partial", "transcript", "audio_seconds"}`
/// messages, then `{"type": "final", "result": {…the search answer…}}` or
/// `{"type": "error", "error": {…}}`, and closes.
extension Gateway {
    public func handle(webSocket connection: WebSocketConnection) async {
        let head = connection.head
        var context = RequestContext.from(headers: head.headers, budget: configuration.voiceDeadline)
        func fail(_ error: GatewayError, code: UInt16) {
            connection.send(text: (["type": "error"] as JSONValue).merging(error.json(requestID: context.requestID)).serialized())
            connection.close(code: code, reason: error.code)
        }
        if let refusal = authorize(.voiceStream, head) {
            metrics.request(route: "/v1/voice-stream", method: "GET", status: refusal.status, seconds: 0)
            return fail(refusal, code: 1008)
        }
        let start = ContinuousClock.now
        var messages = connection.messages.makeAsyncIterator()
        // The start message, or the first audio chunk.
        var settings = head.query.mapValues { JSONValue.string($0) }
        var firstAudio: [UInt8]?
        switch await messages.next() {
        case .text(let text)?:
            guard let value = try? JSONValue(parsing: text), let object = value.objectValue else {
                return fail(GatewayError(status: 400, code: "invalid_json", message: "the start message must be a JSON object"), code: 1007)
            }
            for (key, value) in object { settings[key] = value }
        case .binary(let bytes)?: firstAudio = bytes
        case nil: return
        }
        let format = settings["format"]?.stringValue ?? (firstAudio.map { $0.starts(with: Array("RIFF".utf8)) } == false ? "pcm16" : "wav")
        var config = ASRV1.RecognitionConfig()
        config.format = format == "pcm16" ? .pcm16 : .wav
        let sampleRate = settings["sample_rate"].flatMap { $0.integer(as: Int.self) ?? $0.stringValue.flatMap { Int($0) } } ?? 16000
        let channels = settings["channels"].flatMap { $0.integer(as: Int.self) ?? $0.stringValue.flatMap { Int($0) } } ?? 1
        guard (8000...48000).contains(sampleRate), (1...2).contains(channels) else {
            return fail(GatewayError(status: 400, code: "invalid_audio", message: "sample_rate must be 8000-48000 and channels 1 or 2"), code: 1007)
        }
        config.sampleRate = Int32(sampleRate)
        config.channels = Int32(channels)
        config.hints = settings["hints"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var input = SearchInput()
        input.userID = String((head.headers["x-user-id"] ?? settings["user_id"]?.stringValue ?? "").prefix(128))
        input.sessionID = (try? session(head, body: settings["session_id"]?.stringValue)) ?? ""
        input.locale = settings["locale"]?.stringValue ?? ""
        config.userID = input.userID
        config.locale = input.locale
        config.maxAlternatives = 3

        // Audio may arrive for up to the audio limit; the deadline starts when it ends.
        let maxBytes = Int(configuration.maxAudioSeconds * Double(sampleRate * channels * 2)) + 4096
        let audioEnded = Mutex<ContinuousClock.Instant?>(nil)
        let tooLong = Atomic<Bool>(false)
        let streamBudget = configuration.voiceDeadline + .milliseconds(Int(configuration.maxAudioSeconds * 1000))
        let callOptions = CallOptions(
            timeout: streamBudget, metadata: [RequestID.header: context.requestID, "traceparent": context.traceParent])
        let limitSeconds = Int(configuration.maxAudioSeconds)
        let requestID = context.requestID
        let iterator = IteratorBox(messages)
        let firstChunk: ASRV1.AudioChunk = {
            var chunk = ASRV1.AudioChunk()
            chunk.config = config
            if let firstAudio { chunk.audio = firstAudio }
            return chunk
        }()
        do {
            let final: ASRV1.RecognizeResponse? = try await call("asr-svc") {
                try await downstreams.asr.streamingRecognize(
                    options: callOptions,
                    requests: { writer in
                        var sent = firstChunk.audio.count
                        try await writer.write(firstChunk)
                        defer { audioEnded.withLock { $0 = .now } }
                        while let message = await iterator.next() {
                            switch message {
                            case .binary(let bytes):
                                sent += bytes.count
                                if sent > maxBytes {
                                    tooLong.store(true, ordering: .relaxed)
                                    return
                                }
                                try await writer.write(ASRV1.AudioChunk(audio: bytes))
                            case .text(let text):
                                if let value = try? JSONValue(parsing: text), let type = value["type"]?.stringValue, type == "end" || type == "stop" {
                                    return
                                }
                            }
                        }
                    },
                    { responses in
                        var final: ASRV1.RecognizeResponse?
                        for try await response in responses {
                            switch response.result {
                            case .partial(let partial)?:
                                connection.send(
                                    text: JSONValue.object([
                                        "type": "partial", "transcript": .string(partial.transcript),
                                        "audio_seconds": JSONMapping.number(partial.audioSeconds, places: 3), "request_id": .string(requestID),
                                    ]).serialized())
                            case .final(let result)?:
                                final = result
                            case nil:
                                break
                            }
                            if tooLong.load(ordering: .relaxed) { break }
                        }
                        return final
                    })
            }
            if tooLong.load(ordering: .relaxed) {
                return fail(
                    GatewayError(status: 413, code: "audio_too_long", message: "the audio is longer than \(limitSeconds) seconds, the limit"),
                    code: 1009)
            }
            guard let final else {
                return fail(GatewayError(status: 502, code: "bad_gateway", message: "asr-svc ended the stream without a final result"), code: 1011)
            }
            // The search gets the voice deadline from the end of the audio.
            let ended = audioEnded.withLock { $0 } ?? .now
            context = RequestContext(requestID: context.requestID, trace: context.trace, start: ended, budget: configuration.voiceDeadline, notes: context.notes)
            let asrSeconds = Double((ContinuousClock.now - ended) / .microseconds(1)) / 1e6
            let result = try await orchestrator.run(input, context: context, recognized: final, asrSeconds: asrSeconds)
            connection.send(text: JSONValue.object(["type": "final", "result": result]).serialized())
            connection.close(code: 1000, reason: "done")
            metrics.request(
                route: "/v1/voice-stream", method: "GET", status: 200, seconds: Double((ContinuousClock.now - start) / .microseconds(1)) / 1e6)
            logRequest("/v1/voice-stream", "GET", 200, start, context, userHeader: head.headers["x-user-id"])
        } catch {
            metrics.request(
                route: "/v1/voice-stream", method: "GET", status: error.status,
                seconds: Double((ContinuousClock.now - start) / .microseconds(1)) / 1e6)
            logRequest("/v1/voice-stream", "GET", error.status, start, context, userHeader: head.headers["x-user-id"])
            fail(error, code: error.status == 400 || error.status == 413 ? 1007 : 1011)
        }
    }
}

/// The WebSocket's message iterator, handed to the ASR request writer (which runs in a task
/// of its own). `@unchecked Sendable`: only that one task uses it after the hand-over.
private final class IteratorBox: @unchecked Sendable {
    private var iterator: AsyncStream<WebSocketMessage>.Iterator

    init(_ iterator: AsyncStream<WebSocketMessage>.Iterator) { self.iterator = iterator }

    func next() async -> WebSocketMessage? { await iterator.next() }
}

extension JSONValue {
    /// The members of both objects (`other` wins); `self` when either is not an object.
    func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return self }
        for (key, value) in theirs { mine[key] = value }
        return .object(mine)
    }
}
