import GatewayService
import JSON
import Protos
import Synchronization
import Testing

@Suite("Routes, auth, limits and errors in process")
struct RequestHandlingTests {
    @Test("a missing or bad key is 401, an admin route with a client key is 403, the admin token passes")
    func auth() async throws {
        try await FakeMesh.with { _, gateway in
            let missing = await gateway.send(.post, "/v1/search", json: #"{"text":"x"}"#, key: nil)
            #expect(missing.status == 401 && missing.json["error"]?["code"]?.stringValue == "unauthenticated")
            #expect(missing.json["error"]?["request_id"]?.stringValue?.isEmpty == false)
            let bad = await gateway.send(.post, "/v1/search", json: #"{"text":"x"}"#, key: "wrong-key-123")
            #expect(bad.status == 401)
            let admin = await gateway.send(.get, "/v1/admin/stats")
            #expect(admin.status == 403 && admin.json["error"]?["code"]?.stringValue == "permission_denied")
            let anonymousAdmin = await gateway.send(.get, "/v1/admin/stats", key: nil)
            #expect(anonymousAdmin.status == 401)
            // With the admin token the call reaches rec-svc (UNIMPLEMENTED in the fake: 502).
            let token = await gateway.send(.get, "/v1/admin/stats", headers: ["authorization": "Bearer admin-token-1234"], key: nil)
            #expect(token.status == 502)
            let health = await gateway.send(.get, "/healthz", key: nil)
            #expect(health.status == 200 && health.json["status"]?.stringValue == "ok")
        }
    }

    @Test("each key has a token bucket: past the burst, 429 with Retry-After")
    func rateLimit() async throws {
        try await FakeMesh.with(configure: { $0.apiKeys = [APIKey(key: "slow-key-1234", name: "slow", rate: 0.5, burst: 2)] }) { _, gateway in
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(await gateway.send(.get, "/v1/products/x", key: "slow-key-1234").status) }
            #expect(statuses[0] != 429 && statuses[1] != 429)
            let limited = await gateway.send(.get, "/v1/products/x", key: "slow-key-1234")
            #expect(limited.status == 429)
            #expect(limited.json["error"]?["code"]?.stringValue == "rate_limited")
            #expect(Int(limited.response.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(gateway.metrics.render().contains("gateway_rate_limited_total{key=\"slow\"}"))
        }
    }

    @Test("malformed JSON, WAV and multipart are 400 with a message; long audio is 413; unknown routes 404; wrong methods 405")
    func badInput() async throws {
        try await FakeMesh.with(configure: { $0.maxAudioSeconds = 2 }) { _, gateway in
            let json = await gateway.send(.post, "/v1/search", json: #"{"text": "#)
            #expect(json.status == 400 && json.json["error"]?["code"]?.stringValue == "invalid_json")
            let unknown = await gateway.send(.post, "/v1/search", json: #"{"text": "a", "colour": "red"}"#)
            #expect(unknown.status == 400 && unknown.json["error"]?["message"]?.stringValue?.contains("colour") == true)
            let empty = await gateway.send(.post, "/v1/search", json: #"{"text": "  "}"#)
            #expect(empty.status == 400)
            let wav = await gateway.send(.post, "/v1/voice-search", body: Array("RIFFxxxxWAVEjunk".utf8), headers: ["content-type": "audio/wav"])
            #expect(wav.status == 400 && wav.json["error"]?["code"]?.stringValue == "invalid_audio")
            #expect(wav.json["error"]?["message"]?.stringValue?.hasPrefix("malformed WAV") == true)
            let long = await gateway.send(.post, "/v1/voice-search", body: silentWAV(seconds: 3), headers: ["content-type": "audio/wav"])
            #expect(long.status == 413 && long.json["error"]?["code"]?.stringValue == "audio_too_long")
            let multipart = await gateway.send(
                .post, "/v1/voice-search", body: Array("--b\r\nno headers end".utf8), headers: ["content-type": "multipart/form-data; boundary=b"])
            #expect(multipart.status == 400 && multipart.json["error"]?["code"]?.stringValue == "invalid_multipart")
            let media = await gateway.send(.post, "/v1/voice-search", body: [1, 2], headers: ["content-type": "video/mp4"])
            #expect(media.status == 415)
            let missing = await gateway.send(.get, "/v1/nothing")
            #expect(missing.status == 404)
            let method = await gateway.send(.get, "/v1/search")
            #expect(method.status == 405 && method.response.header("Allow") == "POST")
        }
    }

    @Test("multipart with an audio part and a JSON context part reaches ASR with the context")
    func multipart() async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.recognize.withLock {
                $0 = { request in
                    #expect(request.config?.hints == ["Mango"])
                    return .init(alternatives: [], audioSeconds: 1)
                }
            }
            var body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"q.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8)
            body += silentWAV(seconds: 0.5)
            body += Array("\r\n--XyZ\r\nContent-Disposition: form-data; name=\"context\"\r\nContent-Type: application/json\r\n\r\n".utf8)
            body += Array(#"{"session_id": "s-multi", "hints": ["Mango"]}"#.utf8)
            body += Array("\r\n--XyZ--\r\n".utf8)
            let (status, json, _) = await gateway.send(
                .post, "/v1/voice-search", body: body, headers: ["content-type": "multipart/form-data; boundary=XyZ"])
            #expect(status == 200)
            #expect(json["session_id"]?.stringValue == "s-multi")
            #expect(json["action"]?["status"]?.stringValue == "no_speech")
            #expect(json["transcript"]?.stringValue == "")
        }
    }

    @Test("metrics count requests by route and status and have latency histograms per route and stage")
    func metrics() async throws {
        try await FakeMesh.with { mesh, gateway in
            mesh.parse.withLock { $0 = { OrchestrationTests.searchParse($0) } }
            mesh.search.withLock { $0 = { _ in .init() } }
            _ = await gateway.send(.post, "/v1/search", json: #"{"text": "red dress"}"#)
            _ = await gateway.send(.get, "/v1/products/p1", key: nil)
            let text = String(decoding: await gateway.send(.get, "/metrics", key: nil).response.body, as: UTF8.self)
            #expect(text.contains(#"gateway_http_requests_total{route="/v1/search",method="POST",status="200"} 1"#))
            #expect(text.contains(#"gateway_http_requests_total{route="/v1/products/{id}",method="GET",status="401"} 1"#))
            #expect(text.contains(#"gateway_http_request_duration_seconds_bucket{route="/v1/search",le="+Inf"} 1"#))
            #expect(text.contains(#"gateway_stage_duration_seconds_count{stage="nlu"} 1"#))
            #expect(text.contains(#"gateway_stage_duration_seconds_count{stage="overhead"} 1"#))
        }
    }
}
