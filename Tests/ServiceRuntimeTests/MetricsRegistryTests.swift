import ServiceRuntime
import Synchronization
import Testing

@Suite struct MetricsRegistryTests {
    @Test func countersAndGaugesRenderInTheTextFormat() {
        let registry = MetricsRegistry()
        let calls = registry.counter("demo_calls_total", help: "Calls.", labels: ["method", "code"])
        let depth = registry.gauge("demo_queue_depth", help: "Queue depth.")
        calls.increment(["Search", "OK"])
        calls.increment(["Search", "OK"], by: 2)
        calls.increment(["Parse", "NOT_FOUND"])
        depth.set(7)
        depth.add(-2)
        #expect(calls.value(["Search", "OK"]) == 3)
        let text = registry.render()
        #expect(
            text == """
                # HELP demo_calls_total Calls.
                # TYPE demo_calls_total counter
                demo_calls_total{method="Parse",code="NOT_FOUND"} 1
                demo_calls_total{method="Search",code="OK"} 3
                # HELP demo_queue_depth Queue depth.
                # TYPE demo_queue_depth gauge
                demo_queue_depth 5

                """)
    }

    @Test func anInitializedCounterIsExportedAtZero() {
        let registry = MetricsRegistry()
        let denoised = registry.counter("demo_denoised_total", help: "Denoised.", labels: ["mode"])
        #expect(!registry.render().contains("demo_denoised_total{"))
        denoised.initialize(["unary"])
        #expect(registry.render().contains("demo_denoised_total{mode=\"unary\"} 0\n"))
        denoised.increment(["unary"])
        denoised.initialize(["unary"])  // does not reset a series
        #expect(denoised.value(["unary"]) == 1)
    }

    @Test func histogramBucketsAreCumulative() {
        let registry = MetricsRegistry()
        let latency = registry.histogram("demo_seconds", help: "Latency.", labels: ["stage"], buckets: [0.1, 1])
        latency.observe(0.05, ["asr"])
        latency.observe(0.5, ["asr"])
        latency.observe(3, ["asr"])
        let text = registry.render()
        #expect(text.contains("demo_seconds_bucket{stage=\"asr\",le=\"0.1\"} 1\n"))
        #expect(text.contains("demo_seconds_bucket{stage=\"asr\",le=\"1\"} 2\n"))
        #expect(text.contains("demo_seconds_bucket{stage=\"asr\",le=\"+Inf\"} 3\n"))
        #expect(text.contains("demo_seconds_sum{stage=\"asr\"} 3.55\n"))
        #expect(text.contains("demo_seconds_count{stage=\"asr\"} 3\n"))
        #expect(latency.count(["asr"]) == 3)
    }

    @Test func labelValuesAreEscapedAndCollectorsSampledAtRender() {
        let registry = MetricsRegistry()
        let info = registry.gauge("demo_model_info", help: "Model\nversion.", labels: ["version"])
        info.set(1, ["v\"2\\b"])
        let size = Atomic<Int>(10)
        registry.collect("demo_index_products", help: "Products.") { Double(size.load(ordering: .relaxed)) }
        #expect(registry.render().contains("demo_index_products 10\n"))
        size.store(12, ordering: .relaxed)
        let text = registry.render()
        #expect(text.contains("demo_index_products 12\n"))
        #expect(text.contains(#"demo_model_info{version="v\"2\\b"} 1"#))
        #expect(text.contains("# HELP demo_model_info Model\\nversion.\n"))
        info.retain(only: [])
        #expect(!registry.render().contains("demo_model_info{"))
    }
}
