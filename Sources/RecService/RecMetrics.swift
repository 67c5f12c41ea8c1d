internal import Postgres
public import ServiceRuntime

/// rec-svc's own Prometheus metrics, all read at scrape time: the PostgreSQL pool's use and
/// errors, the in-memory index's size and how far it may be behind the database, and the
/// model versions in use.
public enum RecMetrics {
    /// Registers the metrics of `runtime` and `sync` in `registry`.
    public static func register(in registry: MetricsRegistry, runtime: RecRuntime, sync: CatalogSync) {
        let pool = runtime.pool
        registry.collect("rec_db_pool_connections", help: "Size of the PostgreSQL connection pool (--pool-size).") {
            Double(pool.statistics.size)
        }
        registry.collect("rec_db_pool_in_use", help: "Pool connections checked out now.") { Double(pool.statistics.inUse) }
        registry.collect("rec_db_pool_waiting", help: "Calls waiting for a pool connection now.") { Double(pool.statistics.waiting) }
        registry.collect("rec_db_connects_total", help: "PostgreSQL connections opened (reconnects included).", type: .counter) {
            Double(pool.statistics.connectsTotal)
        }
        registry.collect("rec_db_connection_errors_total", help: "Calls that failed because PostgreSQL was unreachable.", type: .counter) {
            Double(pool.statistics.connectionErrorsTotal)
        }
        let index = runtime.index
        registry.collect("rec_index_products", help: "Live products in the in-memory search index.") { Double(index.count) }
        registry.collect(
            "rec_index_sync_age_seconds",
            help: "Seconds since the index was last confirmed in step with PostgreSQL (LISTEN/NOTIFY); grows while the database is unreachable."
        ) { sync.secondsSinceInStep ?? -1 }
        let personal = runtime.personal
        registry.collect("rec_model_info", help: "Active model versions by kind (value 1).", labels: ["kind", "version"]) {
            personal.models.map { (labels: [$0.kind.rawValue, $0.version], value: 1) }
        }
        registry.collect("rec_model_items", help: "Item vectors loaded, by model kind.", labels: ["kind"]) {
            personal.models.map { (labels: [$0.kind.rawValue], value: Double($0.items.count)) }
        }
    }
}
