public import Protos
public import RPCCore
internal import ServiceRuntime

/// `voiceshop.asr.v1.ASR`: `Recognize` (one whole utterance) and `StreamingRecognize`
/// (audio chunks in; partial hypotheses, then one final result, out).
public struct ASRRPCService: ASRV1.ASR.ServiceProtocol {
    let pool: DecoderPool
    let config: ASRServiceConfig
    let metrics: ASRMetrics?

    public init(pool: DecoderPool, config: ASRServiceConfig, metrics: ASRMetrics? = nil) {
        self.pool = pool
        self.config = config
        self.metrics = metrics
    }

    public func recognize(request: ASRV1.RecognizeRequest, context: ServerContext) async throws -> ASRV1.RecognizeResponse {
        do throws(ASRError) {
            let options = try sessionOptions(request.config ?? ASRV1.RecognitionConfig(), endpointing: false)
            guard !request.audio.isEmpty else { throw ASRError(.emptyAudio, "The audio is empty.") }
            // Bad audio is refused before a decoder is taken.
            var check = try AudioStreamDecoder(
                config: request.config ?? ASRV1.RecognitionConfig(), firstBytes: request.audio, limits: config.limits)
            _ = try check.append(request.audio)
            try check.finish()
            let lease = try await pool.lease()
            defer { lease.release() }
            let audio = request.audio
            let recognitionConfig = request.config ?? ASRV1.RecognitionConfig()
            let version = lease.modelVersion
            let start = ContinuousClock.now
            let (response, snr, denoised) = try await lease.run { (engine) throws(ASRError) in
                let session = UtteranceSession(config: recognitionConfig, options: options, engine: engine, modelVersion: version)
                _ = try session.append(audio)
                return (try session.finish(), session.estimatedSNR, session.isDenoised)
            }
            metrics?.utterance(
                mode: "unary", audioSeconds: Double(response.audioSeconds), decodeSeconds: (ContinuousClock.now - start).inSeconds,
                snr: snr, denoised: denoised)
            return response
        } catch {
            throw error.rpcError
        }
    }

    public func streamingRecognize(
        requests: RPCMessageStream<ASRV1.AudioChunk>, writer: RPCWriter<ASRV1.StreamingRecognizeResponse>,
        context: ServerContext
    ) async throws {
        var iterator = requests.makeAsyncIterator()
        guard let first = try await iterator.next() else { return }
        let recognitionConfig: ASRV1.RecognitionConfig
        let options: UtteranceSession.Options
        let lease: DecoderPool.Lease
        do throws(ASRError) {
            guard let given = first.config else {
                throw ASRError(.invalidRequest, "The first AudioChunk must carry config.")
            }
            recognitionConfig = given
            options = try sessionOptions(given, endpointing: true)
            lease = try await pool.lease()
        } catch {
            throw error.rpcError
        }
        defer { lease.release() }
        let holder = SessionHolder()
        let version = lease.modelVersion
        do throws(ASRError) {
            try await lease.run { (engine) throws(ASRError) in
                holder.session = UtteranceSession(config: recognitionConfig, options: options, engine: engine, modelVersion: version)
            }
            var chunk: ASRV1.AudioChunk? = first
            var ended = false
            var decoding = Duration.zero
            while let current = chunk {
                let audio = current.audio
                let start = ContinuousClock.now
                let update = try await lease.run { (_) throws(ASRError) in try holder.session!.append(audio) }
                decoding += .now - start
                if let partial = update.partial {
                    try await write(writer, .partial(ASRV1.PartialResult(transcript: partial, audioSeconds: update.seconds)))
                }
                if update.endpoint {
                    ended = true
                    break
                }
                do { chunk = try await iterator.next() } catch { throw ASRError(.invalidRequest, "\(error)", cause: error) }
            }
            let start = ContinuousClock.now
            let (final, snr, denoised) = try await lease.run { (_) throws(ASRError) in
                (try holder.session!.finish(), holder.session!.estimatedSNR, holder.session!.isDenoised)
            }
            decoding += .now - start
            metrics?.utterance(
                mode: "streaming", audioSeconds: Double(final.audioSeconds), decodeSeconds: decoding.inSeconds, snr: snr,
                denoised: denoised)
            try await write(writer, .final(final))
            // Single utterance: audio after the endpoint is read and ignored until the client half-closes.
            if ended {
                do { while try await iterator.next() != nil {} } catch {}
            }
        } catch {
            throw error.rpcError
        }
    }

    private func write(
        _ writer: RPCWriter<ASRV1.StreamingRecognizeResponse>, _ result: ASRV1.StreamingRecognizeResponse.Result
    ) async throws(ASRError) {
        do { try await writer.write(ASRV1.StreamingRecognizeResponse(result: result)) } catch {
            throw ASRError(.invalidRequest, "The stream ended: \(error)", cause: error)
        }
    }

    /// Validates the request's settings and turns them into session options.
    func sessionOptions(_ request: ASRV1.RecognitionConfig, endpointing: Bool) throws(ASRError) -> UtteranceSession.Options {
        guard request.maxAlternatives >= 0, Int(request.maxAlternatives) <= config.maxAlternatives else {
            throw ASRError(.invalidRequest, "max_alternatives must be from 0 to \(config.maxAlternatives).")
        }
        guard request.hints.count <= config.maxHints else {
            throw ASRError(.invalidRequest, "At most \(config.maxHints) hints are allowed, not \(request.hints.count).")
        }
        if let long = request.hints.first(where: { $0.utf8.count > config.maxHintBytes }) {
            throw ASRError(.invalidRequest, "The hint '\(long.prefix(40))…' is longer than \(config.maxHintBytes) bytes.")
        }
        guard request.locale.isEmpty || request.locale.lowercased().hasPrefix("en") else {
            throw ASRError(.invalidRequest, "The locale '\(request.locale)' is not supported; asr-svc recognises English (en-US).")
        }
        var options = UtteranceSession.Options()
        options.limits = config.limits
        options.voiceActivity = config.voiceActivity
        options.denoising = config.denoising
        options.maxAlternatives = request.maxAlternatives == 0 ? config.defaultAlternatives : Int(request.maxAlternatives)
        options.hints = request.hints
        options.endpointing = endpointing
        return options
    }
}

/// The session of one stream. `@unchecked Sendable`: it is only touched inside jobs on the
/// worker thread of the stream's leased decoder, which run one at a time.
final class SessionHolder: @unchecked Sendable {
    var session: UtteranceSession?
}
