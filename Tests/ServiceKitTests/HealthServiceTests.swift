import Protos
import ServiceKit
import Testing

@Suite struct HealthServiceTests {
    @Test func livenessStaysServingWhileReadinessChanges() {
        let health = HealthService(serving: ["voiceshop.demo.Known"])
        #expect(health.status(of: HealthService.liveness) == .serving)
        health.setAll(.notServing)
        #expect(health.status(of: "") == .notServing)
        #expect(health.status(of: "voiceshop.demo.Known") == .notServing)
        #expect(health.status(of: HealthService.liveness) == .serving)
        health.markAllNotServing()
        #expect(health.status(of: HealthService.liveness) == .serving)
        health.setAll(.serving)
        #expect(health.status(of: "") == .serving)
    }
}
