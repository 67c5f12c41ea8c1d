internal import JSON

extension Gateway {
    /// `POST /v1/search`: `{"text", "user_id"?, "session_id"?, "locale"?}`.
    func textSearch(_ request: HTTPRequest, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        try requireJSON(request.head)
        let body = try JSONBody(request.body, allowed: ["text", "user_id", "session_id", "locale"])
        guard let text = try body.string("text", maxLength: 1000), !text.trimmingSpaces.isEmpty else {
            throw GatewayError.badRequest("'text' is required and must not be empty", field: "text")
        }
        var input = SearchInput(text: text)
        input.userID = try user(request.head, body: try body.string("user_id", maxLength: 128))
        input.sessionID = try session(request.head, body: try body.string("session_id", maxLength: 128))
        input.locale = try body.string("locale", maxLength: 35) ?? ""
        let result = try await orchestrator.run(input, context: context)
        return json(200, result, headers: [("X-Session-Id", input.sessionID)])
    }

    /// `POST /v1/voice-search`: a WAV body (`audio/wav`), raw PCM16 (`audio/L16; rate=16000`),
    /// or `multipart/form-data` with an `audio` part and an optional JSON `context` part.
    func voiceSearch(_ request: HTTPRequest, _ context: RequestContext) async throws(GatewayError) -> HTTPResponse {
        let contentType = request.head.headers["content-type"] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
        var audio = request.body
        var contextBody: JSONBody?
        var declaredType = mediaType
        var parameters = Self.mediaParameters(contentType)
        if mediaType == "multipart/form-data" {
            guard let boundary = MultipartForm.boundary(contentType: contentType) else {
                throw GatewayError(status: 400, code: "invalid_multipart", message: "multipart/form-data needs a boundary parameter")
            }
            let form = try MultipartForm(body: request.body, boundary: boundary)
            guard let part = form["audio"] else {
                throw GatewayError(status: 400, code: "invalid_multipart", message: "the multipart body has no 'audio' part")
            }
            audio = part.body
            let partType = part.contentType ?? "audio/wav"
            declaredType = partType.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
            parameters = Self.mediaParameters(partType)
            if let contextPart = form["context"] {
                contextBody = try JSONBody(
                    contextPart.body, allowed: ["session_id", "user_id", "hints", "locale", "sample_rate", "channels"])
            }
        }
        let info: AudioInput
        switch declaredType {
        case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave":
            info = try AudioInput.wav(audio)
        case "application/octet-stream", "":
            if audio.starts(with: Array("RIFF".utf8)) {
                info = try AudioInput.wav(audio)
            } else {
                let rate = try contextBody?.integer("sample_rate", range: 8000...48000) ?? Int(parameters["rate"] ?? "") ?? 16000
                info = try AudioInput.pcm16(byteCount: audio.count, sampleRate: rate, channels: try contextBody?.integer("channels", range: 1...2) ?? 1)
            }
        case "audio/l16", "audio/pcm", "audio/x-pcm":
            let rate = try contextBody?.integer("sample_rate", range: 8000...48000) ?? Int(parameters["rate"] ?? "") ?? 16000
            let channels = try contextBody?.integer("channels", range: 1...2) ?? Int(parameters["channels"] ?? "") ?? 1
            info = try AudioInput.pcm16(byteCount: audio.count, sampleRate: rate, channels: channels)
        default:
            throw GatewayError(
                status: 415, code: "unsupported_media_type",
                message: "send audio/wav, audio/L16 (raw PCM16; rate=… parameter), or multipart/form-data with an 'audio' part; got '\(declaredType)'")
        }
        try info.check(maxSeconds: configuration.maxAudioSeconds)
        var input = SearchInput(audio: audio, audioInfo: info)
        input.userID = try user(request.head, body: try contextBody?.string("user_id", maxLength: 128))
        input.sessionID = try session(request.head, body: try contextBody?.string("session_id", maxLength: 128))
        input.hints = try contextBody?.strings("hints", maxCount: 50) ?? []
        input.locale = try contextBody?.string("locale", maxLength: 35) ?? ""
        let result = try await orchestrator.run(input, context: context)
        return json(200, result, headers: [("X-Session-Id", input.sessionID)])
    }

    /// The parameters of a media type (`audio/L16; rate=16000` → `["rate": "16000"]`).
    static func mediaParameters(_ contentType: String) -> [String: String] {
        var out: [String: String] = [:]
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingSpaces
            guard let equals = pair.firstIndex(of: "=") else { continue }
            out[pair[..<equals].lowercased()] = String(pair[pair.index(after: equals)...])
        }
        return out
    }

    /// Refuses a body that says it is not JSON.
    func requireJSON(_ head: HTTPRequestHead) throws(GatewayError) {
        guard let type = head.headers["content-type"] else { return }
        let media = type.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
        guard media == "application/json" || media.hasSuffix("+json") else {
            throw GatewayError(status: 415, code: "unsupported_media_type", message: "send the body as application/json, not '\(media)'")
        }
    }
}
