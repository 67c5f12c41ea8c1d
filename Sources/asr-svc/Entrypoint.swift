import ASRService
import Protos
import ServiceKit

/// asr-svc: speech recognition (pocketsphinx) with a language model adapted to the catalog.
///
/// Serves `voiceshop.asr.v1.ASR`. Health is NOT_SERVING until the first model is built, from
/// rec-svc's vocabulary (`--rec-addr`, polled) or a products file (`--catalog-file`).
@main
enum Entrypoint {
    static func main() async {
        await ServiceMain.run(name: "asr-svc", defaultPort: 50061, defaultMetricsPort: 9161, extraFlags: ASRServiceConfig.flags) {
            (setup: ServiceSetup) async throws -> ServiceParts in
            let options = setup.options
            let parsed: (config: ASRServiceConfig, source: VocabularySource, poll: Duration)
            do throws(ASRError) { parsed = try ASRServiceConfig.parse { options.value($0) } } catch {
                throw ServiceOptions.ConfigurationError(error.message)
            }
            let (config, source, poll) = parsed
            let pool = DecoderPool(size: config.decoders, maxWaiting: config.maxWaiting)
            let health = setup.health
            let models = ModelService(
                pool: pool, source: source, settings: config.engine, pollInterval: poll, logger: setup.logger
            ) { _ in health.setAll(.serving) }
            return ServiceParts(
                rpcServices: [ASRRPCService(pool: pool, config: config, metrics: ASRMetrics(registry: setup.metrics, pool: pool))],
                backgroundServices: [models], ready: false)
        }
    }
}
