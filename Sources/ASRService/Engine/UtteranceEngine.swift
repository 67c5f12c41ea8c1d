public import PocketSphinx

/// What asr-svc needs from a speech engine's decoder, one utterance at a time, on one
/// thread. pocketsphinx implements it today; a stronger engine can be added behind it.
public protocol UtteranceEngine: AnyObject {
    /// Starts an utterance; `prefix` is its first second of 16 kHz audio (or all of it when
    /// shorter), for the engine's normalisation.
    func begin(prefix: UnsafeBufferPointer<Int16>) throws(ASRError)
    /// Decodes more 16 kHz mono audio.
    func process(_ samples: UnsafeBufferPointer<Int16>) throws(ASRError)
    /// The best hypothesis so far.
    func partial() -> String
    /// Ends the utterance: n-best hypotheses, best first, with the best one's word timings.
    func end(maxHypotheses: Int) throws(ASRError) -> DecodingResult
    /// Readies the engine for the next utterance (work `begin` would otherwise do); the pool
    /// runs it after each call, once the result has gone.
    func reset()
}

extension SpeechDecoder: UtteranceEngine {
    public func begin(prefix: UnsafeBufferPointer<Int16>) throws(ASRError) {
        do { try startUtterance(cepstralMean: cepstralMean(of: prefix)) } catch { throw ASRError(.engine, "\(error)", cause: error) }
    }

    public func process(_ samples: UnsafeBufferPointer<Int16>) throws(ASRError) {
        do throws(PocketSphinxError) { try process(samples: samples) } catch { throw ASRError(.engine, "\(error)", cause: error) }
    }

    public func partial() -> String { partialHypothesis() }

    public func end(maxHypotheses: Int) throws(ASRError) -> DecodingResult {
        do { return try endUtterance(maxHypotheses: maxHypotheses) } catch { throw ASRError(.engine, "\(error)", cause: error) }
    }
}
