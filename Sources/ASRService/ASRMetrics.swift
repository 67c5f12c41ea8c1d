public import ServiceRuntime

/// asr-svc's own Prometheus metrics: audio decoded, the real-time factor of each
/// utterance, the language model in use, and the decoder pool's line.
public struct ASRMetrics: Sendable {
    let audioSeconds: Counter
    let decodeSeconds: Counter
    let realTimeFactor: Histogram
    let utterances: Counter
    let denoised: Counter
    let estimatedSNR: Histogram

    /// Registers the metrics; the pool's figures and the model version are read at scrape time.
    public init(registry: MetricsRegistry, pool: DecoderPool) {
        audioSeconds = registry.counter("asr_audio_seconds_total", help: "Seconds of audio decoded.", labels: ["mode"])
        decodeSeconds = registry.counter(
            "asr_decode_seconds_total", help: "Seconds the decoders spent on that audio (wall time on their threads).", labels: ["mode"])
        realTimeFactor = registry.histogram(
            "asr_real_time_factor", help: "Decoding time over audio duration, per utterance (below 1 is faster than real time).",
            labels: ["mode"], buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5])
        utterances = registry.counter("asr_utterances_total", help: "Utterances recognised, by mode.", labels: ["mode"])
        denoised = registry.counter(
            "asr_denoised_utterances_total", help: "Utterances denoised before decoding (their estimated SNR was low).", labels: ["mode"])
        // Both modes start at 0, so the share denoised has a series before the first noisy call.
        for mode in ["unary", "streaming"] { denoised.initialize([mode]) }
        estimatedSNR = registry.histogram(
            "asr_estimated_snr_db", help: "The SNR estimated at the start of each utterance, in dB (what switches denoising on).",
            labels: ["mode"], buckets: [5, 10, 15, 20, 25, 30, 35, 40, 50, 60])
        registry.collect("asr_language_model_info", help: "The language model version calls get now (value 1).", labels: ["version"]) {
            pool.modelVersion.map { [(labels: [$0], value: 1)] } ?? []
        }
        registry.collect("asr_decoders", help: "Decoders (worker threads) in the pool.") { Double(pool.size) }
        registry.collect("asr_decoders_busy", help: "Decoders leased to a call now.") { Double(pool.busyCount) }
        registry.collect("asr_queue_depth", help: "Calls waiting in line for a decoder.") { Double(pool.waitingCount) }
        registry.collect("asr_queue_rejected_total", help: "Calls refused (RESOURCE_EXHAUSTED) because the line was full.", type: .counter) {
            Double(pool.rejectedCount)
        }
    }

    /// Records one recognised utterance (`mode`: `unary` or `streaming`): `snr` is its
    /// estimated SNR (nil with no speech or `--denoise off`), `denoised` whether it was denoised.
    func utterance(mode: String, audioSeconds: Double, decodeSeconds: Double, snr: Double?, denoised: Bool) {
        utterances.increment([mode])
        if denoised { self.denoised.increment([mode]) }
        if let snr, snr.isFinite { estimatedSNR.observe(snr, [mode]) }
        self.audioSeconds.increment([mode], by: audioSeconds)
        self.decodeSeconds.increment([mode], by: decodeSeconds)
        if audioSeconds > 0 { realTimeFactor.observe(decodeSeconds / audioSeconds, [mode]) }
    }
}
