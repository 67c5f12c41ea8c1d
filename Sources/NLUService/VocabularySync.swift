public import Protos
internal import RPCCore
public import ServiceRuntime

/// Keeps the engine's gazetteer in step with rec-svc's catalog.
///
/// Every `interval` it calls `voiceshop.rec.v1.Rec/Vocabulary` with the version it already has;
/// a new version replaces the gazetteer, `unchanged` does nothing. While rec-svc is down the
/// engine keeps serving with the vocabulary it has (from the last sync or the start-up file),
/// and the outage is logged once, not on every attempt.
///
/// ## Shutdown
/// Cancelling `run()` stops it between polls or during a call.
public struct VocabularySync: Service {
    let client: RecV1.Rec.Client
    let engine: NLUEngine
    let interval: Duration
    /// The deadline of each Vocabulary call.
    let callTimeout: Duration
    let logger: Logger

    public init(
        client: RecV1.Rec.Client, engine: NLUEngine, interval: Duration = .seconds(30), callTimeout: Duration = .seconds(5),
        logger: Logger
    ) {
        self.client = client
        self.engine = engine
        self.interval = interval
        self.callTimeout = callTimeout
        self.logger = logger
    }

    public func run() async throws {
        var known: Int64 = 0
        var failing = false
        while !Task.isCancelled {
            do {
                known = try await syncOnce(known: known)
                if failing { logger.info("rec-svc vocabulary reachable again", ["version": known]) }
                failing = false
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                if !failing {
                    logger.warning(
                        "rec-svc vocabulary unavailable; keeping the current gazetteer",
                        ["error": "\(error)", "gazetteer": engine.gazetteer.version])
                }
                failing = true
            }
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }

    /// One poll: returns the version now in use.
    /// - Throws: `RPCError` when rec-svc could not be asked.
    public func syncOnce(known: Int64) async throws -> Int64 {
        var request = RecV1.VocabularyRequest()
        request.knownVersion = known
        let response = try await client.vocabulary(request, options: CallOptions(timeout: callTimeout))
        if response.unchanged { return known }
        let vocabulary = CatalogVocabulary(response)
        engine.update(vocabulary: vocabulary)
        logger.info(
            "gazetteer updated from rec-svc",
            ["version": response.version, "brands": vocabulary.brands.count, "categories": vocabulary.categories.count])
        return response.version
    }
}
