public import ServiceRuntime

/// nlu-svc's own Prometheus metrics: parses by intent, low-confidence parses (the gateway
/// asks a clarifying question for those), corrections, and the model and vocabulary in use.
public struct NLUMetrics: Sendable {
    let intents: Counter
    let lowConfidence: Counter
    let corrections: Counter

    /// Registers the metrics; the model and vocabulary versions are read at scrape time.
    public init(registry: MetricsRegistry, engine: NLUEngine) {
        intents = registry.counter("nlu_intents_total", help: "Parses by the intent returned.", labels: ["intent"])
        lowConfidence = registry.counter(
            "nlu_low_confidence_total", help: "Parses whose intent confidence was under the threshold (a clarifying question).")
        corrections = registry.counter(
            "nlu_corrections_total", help: "Words corrected to catalog vocabulary (misheard brands and the like).")
        registry.collect("nlu_model_info", help: "The model and catalog vocabulary in use (value 1).", labels: ["version"]) {
            [(labels: [engine.modelVersion], value: 1)]
        }
    }

    func parsed(intent: String, lowConfidence isLow: Bool, corrections count: Int) {
        intents.increment([intent])
        if isLow { lowConfidence.increment() }
        if count > 0 { corrections.increment(by: Double(count)) }
    }
}
