import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct PostgresConnectionTests {
    @Test func boundParametersRoundTripEveryType() async throws {
        let client = try await PostgresClient(conninfo: try await TestDatabase.makeDatabase())
        let rows = try await client.query(
            "SELECT $1::text AS t, $2::bigint AS i, $3::float8 AS d, $4::bool AS b, $5::bytea AS y, $6::text AS n",
            [.text("it's \"quoted\"; DROP TABLE x; -- é✓"), .int(-9_000_000_000), .double(2.5), .bool(true), .bytes([0, 1, 255]), .null])
        let row = try #require(rows.first)
        #expect(row["t"] == "it's \"quoted\"; DROP TABLE x; -- é✓")
        #expect(row.int("i") == -9_000_000_000)
        #expect(row.double("d") == 2.5)
        #expect(row["b"] == "t")
        #expect(row["y"] == "\\x0001ff")
        #expect(row["n"] == nil)
        #expect(PostgresConnection.libraryVersion >= 150_000)
    }

    @Test func errorsCarrySQLState() async throws {
        let client = try await PostgresClient(conninfo: try await TestDatabase.makeDatabase())
        try await client.query("CREATE TABLE t (id int PRIMARY KEY)")
        try await client.query("INSERT INTO t VALUES ($1)", [1])
        let error = await #expect(throws: PostgresError.self) { try await client.query("INSERT INTO t VALUES ($1)", [1]) }
        #expect(error?.isUniqueViolation == true)
        #expect(error?.code == .query)
        let syntax = await #expect(throws: PostgresError.self) { try await client.query("SELEC 1") }
        #expect(syntax?.sqlState == "42601")
    }

    @Test func transactionsCommitOrRollBack() async throws {
        let client = try await PostgresClient(conninfo: try await TestDatabase.makeDatabase())
        try await client.query("CREATE TABLE t (id int)")
        _ = try await client.withTransaction { try $0.query("INSERT INTO t VALUES (1)") }
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await client.withTransaction { connection in
                try connection.query("INSERT INTO t VALUES (2)")
                throw Abort()
            }
        }
        #expect(try await client.query("SELECT count(*) AS n FROM t").first?.int("n") == 1)
    }

    @Test func copyLoadsRowsInBulkWithEscapes() async throws {
        let client = try await PostgresClient(conninfo: try await TestDatabase.makeDatabase())
        try await client.query("CREATE TABLE items (id int, name text)")
        let copied = try await client.withConnection { connection in
            try connection.copyIn(
                "COPY items (id, name) FROM STDIN",
                lines: (0..<10_000).map { "\($0)\t\(PostgresConnection.copyEscape($0 == 7 ? "tab\there\\n" : ($0 == 8 ? nil : "item \($0)")))" })
        }
        #expect(copied == 10_000)
        let rows = try await client.query("SELECT id, name FROM items WHERE id IN (7, 8, 9999) ORDER BY id")
        #expect(rows.map { $0["name"] } == ["tab\there\\n", nil, "item 9999"])
    }
}

@Suite struct PostgresMigratorTests {
    @Test func appliesOnceInOrderAndRefusesEditedFiles() async throws {
        let client = try await PostgresClient(conninfo: try await TestDatabase.makeDatabase())
        let migrations = [
            PostgresMigrator.Migration(version: "0002_more", sql: "ALTER TABLE a ADD COLUMN b text; INSERT INTO a VALUES (1, 'x');"),
            PostgresMigrator.Migration(version: "0001_first", sql: "CREATE TABLE a (id int PRIMARY KEY);"),
        ]
        let first = try await client.withConnection { try PostgresMigrator(migrations: migrations).migrate($0) }
        #expect(first == ["0001_first", "0002_more"])
        let again = try await client.withConnection { try PostgresMigrator(migrations: migrations).migrate($0) }
        #expect(again == [])
        #expect(try await client.query("SELECT count(*) AS n FROM a").first?.int("n") == 1)

        let edited = [migrations[1], PostgresMigrator.Migration(version: "0002_more", sql: "SELECT 1;")]
        let error = await #expect(throws: PostgresError.self) {
            try await client.withConnection { try PostgresMigrator(migrations: edited).migrate($0) }
        }
        #expect(error?.code == .migration)
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        let client = try await PostgresClient(conninfo: try await TestDatabase.makeDatabase())
        let migrations = [
            PostgresMigrator.Migration(version: "0001_ok", sql: "CREATE TABLE a (id int);"),
            PostgresMigrator.Migration(version: "0002_bad", sql: "CREATE TABLE b (id int); SELECT * FROM missing;"),
        ]
        let error = await #expect(throws: PostgresError.self) {
            try await client.withConnection { try PostgresMigrator(migrations: migrations).migrate($0) }
        }
        #expect(error?.message.contains("0002_bad") == true)
        let tables = try await client.query("SELECT string_agg(version, ',' ORDER BY version) AS v FROM schema_migrations")
        #expect(tables.first?["v"] == "0001_ok")
        #expect(try await client.query("SELECT to_regclass('b') AS t").first?["t"] == nil)
    }
}

@Suite struct RecServiceSchemaTests {
    static let migrationsDirectory = TestSupport.repositoryRoot.appendingPathComponent("services/rec-svc/migrations").path

    @Test func recServiceMigrationsApplyToAnEmptyDatabaseAndReRunSafely() async throws {
        let client = try await PostgresClient(conninfo: try await TestDatabase.makeDatabase())
        let migrator = try PostgresMigrator(directory: Self.migrationsDirectory)
        #expect(migrator.migrations.count >= 5)
        let applied = try await client.withConnection { try migrator.migrate($0) }
        #expect(applied == migrator.migrations.map(\.version))
        let again = try await client.withConnection { try migrator.migrate($0) }
        #expect(again.isEmpty)
        // The demo order id space and a product round trip through the schema.
        try await client.query(
            "INSERT INTO products (sku, title, price) VALUES ($1, $2, $3)", [.text("SKU-1"), .text("Red summer dress"), .double(39.99)])
        let product = try await client.query("SELECT title, price::text AS price FROM products WHERE sku = $1", ["SKU-1"])
        #expect(product.first?["title"] == "Red summer dress")
        #expect(product.first?["price"] == "39.99")
    }

    @Test func recSvcMigrateCommand() async throws {
        let conninfo = try await TestDatabase.makeDatabase()
        let recSvc = TestSupport.repositoryRoot.appendingPathComponent(".build/debug/rec-svc").path
        try #require(FileManager.default.isExecutableFile(atPath: recSvc), "\(recSvc) is built by swift build")
        let arguments = ["migrate", "--database-url", conninfo, "--migrations", Self.migrationsDirectory]
        let (status, output) = try await TestSupport.onOwnThread { try TestSupport.runCommand(recSvc, arguments) }
        #expect(status == 0, "\(output)")
        #expect(output.contains("migrations up to date"))
        let (again, _) = try await TestSupport.onOwnThread { try TestSupport.runCommand(recSvc, arguments) }
        #expect(again == 0)
        let client = try await PostgresClient(conninfo: conninfo)
        let count = try await client.query("SELECT count(*) AS n FROM schema_migrations").first?.int("n")
        #expect(count == (try PostgresMigrator(directory: Self.migrationsDirectory)).migrations.count)
        let (unreachable, message) = try await TestSupport.onOwnThread {
            try TestSupport.runCommand(recSvc, ["migrate", "--database-url", "host=/nonexistent port=1 user=nobody"])
        }
        #expect(unreachable == 1)
        #expect(message.contains("migrate failed"))
    }
}
