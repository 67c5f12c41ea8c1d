import Foundation
import Embeddings
import Postgres
import Protos
import RPCCore
import RPCHTTP2Transport
import RecService
import ServiceKit
import ServiceRuntime
import TestSupport

/// rec-svc in process: a fresh database (migrated), the runtime with its catalog sync, and
/// the Rec and CatalogAdmin services on a real HTTP/2 server with a channel to it.
struct RecHarness: Sendable {
    let conninfo: String
    let runtime: RecRuntime
    let health: HealthService
    let rec: RecV1.Rec.Client
    let admin: RecV1.CatalogAdmin.Client
    let channel: HTTP2Channel
    /// Opened when the catalog sync may start (at once unless `holdingSync`).
    let syncGate: ShutdownSignal
    let sync: CatalogSync

    /// Lets a sync held back by `holdingSync` start, and waits for its first load.
    func startSyncAndWait() async {
        syncGate.trigger()
        await sync.waitUntilLoaded()
    }

    static let logger = Logger(service: "rec-test", minimumLevel: .error)
    static let migrations = TestSupport.repositoryRoot.appendingPathComponent("services/rec-svc/migrations").path

    /// The real text encoder, loaded once per test process (`make test` fetches the model
    /// first; a missing model fails the tests that need it with the encoder's message).
    static let textEmbeddings: Result<TextEmbeddings, EmbeddingsError> = {
        let base = ProcessInfo.processInfo.environment["VOICESHOP_MODELS_DIR"]
            ?? TestSupport.repositoryRoot.appendingPathComponent(".voiceshop/models").path
        do throws(EmbeddingsError) {
            return .success(TextEmbeddings(encoder: try SentenceEncoder(modelDirectory: base + "/" + SentenceEncoder.modelName)))
        } catch {
            return .failure(error)
        }
    }()

    /// Runs `body` against rec-svc on a new database (or on `conninfo`), once the catalog is
    /// loaded; with `holdingSync`, at once, the catalog sync waiting for `startSyncAndWait()`.
    static func with<Result: Sendable>(
        conninfo given: String? = nil, embeddings: Bool = false, holdingSync: Bool = false,
        _ body: @Sendable (RecHarness) async throws -> Result
    ) async throws -> Result {
        let conninfo: String
        if let given { conninfo = given } else { conninfo = try await TestDatabase.makeDatabase() }
        try await RecDatabase.migrate(conninfo: conninfo, directory: migrations, logger: logger)
        let runtime = RecRuntime(
            pool: PostgresPool(conninfo: conninfo, size: 4, label: "rec-test"), index: CatalogIndex(),
            embeddings: embeddings ? try textEmbeddings.get() : nil, logger: logger)
        let health = HealthService(serving: ["voiceshop.rec.v1.Rec"])
        health.setAll(.notServing)
        let sync = CatalogSync(conninfo: conninfo, runtime: runtime, logger: logger) { ready in
            health.setAll(ready ? .serving : .notServing)
        }
        var configuration = HTTP2ServerConfiguration(address: HostPort(host: "127.0.0.1", port: 0), eventLoops: 1)
        configuration.shutdownGracePeriod = .seconds(5)
        let server = try HTTP2Server(
            configuration: configuration,
            services: [RecRPCService(runtime: runtime), CatalogAdminRPCService(runtime: runtime), health], logger: logger)
        let channel = try HTTP2Channel(target: "127.0.0.1:\(server.listeningAddress.port)")
        let gate = ShutdownSignal()
        if !holdingSync { gate.trigger() }
        let harness = RecHarness(
            conninfo: conninfo, runtime: runtime, health: health, rec: RecV1.Rec.Client(channel: channel),
            admin: RecV1.CatalogAdmin.Client(channel: channel), channel: channel, syncGate: gate, sync: sync)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let syncTask = Task {
                await gate.wait()
                try await sync.run()
            }
            if !holdingSync { await sync.waitUntilLoaded() }
            defer {
                syncTask.cancel()
                channel.close()
                server.beginGracefulShutdown()
            }
            let result = try await body(harness)
            return result
        }
    }

    /// Imports JSONL rows through the client-streaming RPC.
    @discardableResult
    func importJSONL(_ lines: [String], dryRun: Bool = false) async throws -> RecV1.ImportProductsResponse {
        try await admin.importProducts { writer in
            var options = RecV1.ImportOptions()
            options.format = .jsonl
            options.source = "test"
            options.dryRun = dryRun
            try await writer.write(RecV1.ImportProductsRequest(options: options))
            for (index, line) in lines.enumerated() {
                try await writer.write(RecV1.ImportProductsRequest(lineNumber: Int32(index + 1), row: .text(line)))
            }
        }
    }

    /// Waits until `condition` holds (the index follows NOTIFY asynchronously).
    func eventually(_ what: String, timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestDatabaseError("timed out waiting for \(what)")
    }
}

/// A JSONL product row.
func productLine(
    _ sku: String, _ title: String, price: Double, brand: String = "", category: String = "", color: String? = nil,
    sizes: [String] = [], material: String? = nil, stock: Int = 10, rating: Double = 0, reviews: Int = 0,
    description: String = ""
) -> String {
    func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
    var attributes: [String] = []
    if let color { attributes.append("\"color\": \(quoted(color))") }
    if !sizes.isEmpty { attributes.append("\"size\": [\(sizes.map(quoted).joined(separator: ", "))]") }
    if let material { attributes.append("\"material\": \(quoted(material))") }
    return """
        {"sku": \(quoted(sku)), "title": \(quoted(title)), "price": \(price), "brand": \(quoted(brand)), \
        "category": \(quoted(category)), "attributes": {\(attributes.joined(separator: ", "))}, "stock": \(stock), \
        "rating": \(rating), "review_count": \(reviews), "description": \(quoted(description))}
        """
}
