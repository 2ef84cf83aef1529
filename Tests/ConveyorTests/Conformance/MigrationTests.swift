import ConveyorCore
import Crypto
import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import ConveyorPostgres
@testable import ConveyorSQLite

/// Migrations are frozen: a database that ran one keeps what it made, so a changed text
/// would leave fresh and upgraded databases with different schemas. These tests pin each
/// shipped migration's text, and check on both stores that a database upgraded one
/// version at a time ends with exactly the schema of one migrated at once.
@Suite("Migrations")
struct MigrationTests {
    /// SHA-256 of each PostgreSQL migration (``MigrationText/hash(_:_:)``). A new migration
    /// adds its line; a shipped line never changes.
    static let postgresHashes: [Int: String] = [
        1: "5001cebb992ad75757cbf59d6b409a689e057ba80fbd7d87f55703dadb77d8af",
        2: "55e928297a188eb604a49ebb9879b1f816dde5edcc6756c60c9fa37a47393320",
        3: "a1d9ababa72273787351c2969241f0ac5cb17a98466efeb58ddae01b55b59be2",
        4: "9dd98ac9985730ba16baabef0a05c018e889ae3d0b532a93cac70cef96b1cb6c",
        5: "397a3e977933c358ba8385e930c906256d6f593016dc77c182d16e49f14fa6df",
        6: "0ddf8347540a9a0f86c574418a4a85d0260de432e433e94d81d71a62d4bc45a9",
        7: "102e09640e3bb6252ec71c829b35219ec4b4cbe6093c9c43fcedec53f52f6d66",
        8: "6898a21b40a5f3dacb489e4d575b3c549c6d1e05a260e38d369bbc951d3f01ec",
        9: "fd225dee518962b79f9479ae5f8768a45c25546f25fa1f153dca7e6e1de70126",
        10: "8078ba4df2ea23197daf500671cab73443ef054c2fc3f6620a657e6710b59be0",
        11: "154ac9c9439472fee34d346a5a7431cbb12cb762af4e7d925df0fbce1f515cad",
        12: "a52ffb91f0c58e08589abd69d3b95150203e397b1934a14b025d2397a5dbcb36",
        13: "09ad6ffab8b82df30e7d17ae6868b6beb54928f34866312b746b2caa973c94d0",
        14: "5186d9e89dd6557fb3258444d26bd6f03a37928e123d9d0e96cba99bae80973d",
        15: "560e96379706aea6d7da634057cc0fe3a084ac5fe1e56b11f9d6da09901e12a3",
        16: "cc14f97389f6f1bd8f055b2851bb9833923c5600acb30e108abe131d91dddb6b",
    ]

    /// SHA-256 of each SQLite migration, by version (the Nth registered).
    static let sqliteHashes: [Int: String] = [
        1: "37fafff8279ce7a639cb80a3c3ce40e68f1ece1d934a799d363a2d30ab536e1f",
        2: "f19162a3baff90fd34cd32c6bea3d13e3dc57d9f7de0620e9634cf6674a4d535",
        3: "e7ed17a1faadd9f3766ddd071749b7fa43991a770d5c392bdd2e5b3a9e1042ab",
        4: "a1ed526a51d78df0f97f1295b604fb4aa9ad07b9eee30f7334ae81099969a9ef",
        5: "e1a938687afabdd7ef09eefdff9c9b6bd6df5200cc6c62ebd1245e232f484868",
        6: "76d7262e821697d1caca9123e6507e71feef0c25699ab77ec2f2f077cee2ce9c",
        7: "3b3fde6860e652c8fa683bbd1b8b9d2b8a3255ad024d9fae81ad6506bf9e4559",
        8: "8057c095c4c28d27d005da4746a73d8ccc1b178220b44147f868857bda78b9c6",
        9: "0ab5a214b123f41e4da57450f266bf4b5f8a2c5e0ac060af8528d289bde1ab1c",
        10: "21069a33fee5c267ee8be267f3e81f96cf863a970ee826ee740339d816bfb586",
        11: "723a947793d5fd1fbbd4fd9fb300cebd15db66370ac41a21d01ba4a6b884fa86",
        12: "529930aad55ff014bb7c17bb69ad540decb17fec19ca05a95ccc73d17e42b252",
        13: "24d519d101a4f637cf12e0b82f5c21ac98c97f004b85060bca72ea3f5dda0504",
        14: "23bc6bd4bc99297619f72bdc1f126dad0a217ce0328f46b884ebd1410c4acd12",
        15: "2804ed923883f84433329aa714cc5b75c5ad6da4daaf72d23643fee5996d96cb",
    ]

    @Test func shippedPostgresMigrationsAreUnchanged() {
        let actual = Dictionary(
            uniqueKeysWithValues: PostgresSchema.migrations.map {
                ($0.version, MigrationText.hash("\($0.version) \($0.name)", $0.statements))
            })
        MigrationText.expectPinned(actual, Self.postgresHashes, store: "PostgreSQL", table: "postgresHashes")
    }

    @Test func shippedSQLiteMigrationsAreUnchanged() {
        let actual = Dictionary(
            uniqueKeysWithValues: SQLiteSchema.migrations.enumerated().map {
                ($0.offset + 1, MigrationText.hash($0.element.identifier, $0.element.statements))
            })
        MigrationText.expectPinned(actual, Self.sqliteHashes, store: "SQLite", table: "sqliteHashes")
    }

    /// Versions are 1, 2, 3, … with none missing, so `migrate(upTo:)` can walk them.
    @Test func versionsCountUpFromOne() {
        #expect(PostgresSchema.migrations.map(\.version) == Array(1...PostgresSchema.migrations.count))
        #expect(SQLiteSchema.migrations.enumerated().allSatisfy { $0.element.identifier.hasPrefix("v\($0.offset + 1)-") })
    }

    @Test(arguments: StoreKind.allCases)
    func aDatabaseUpgradedOneVersionAtATimeEndsWithTheFreshSchema(_ kind: StoreKind) async throws {
        let database = try await MigratingDatabase.make(kind)
        let fresh = try await MigratingDatabase.make(kind)
        for version in 1...database.latestVersion {
            try await database.migrate(upTo: version)
            #expect(try await database.appliedCount() == version)
            try await database.exercise(version)
        }
        try await fresh.migrate()
        let upgraded = try await database.schema()
        let expected = try await fresh.schema()
        #expect(!expected.isEmpty)
        MigrationText.expectSame(upgraded, expected, "upgraded one version at a time", "migrated at once")
    }

    @Test(arguments: StoreKind.allCases)
    func migratingAMigratedDatabaseAgainChangesNothing(_ kind: StoreKind) async throws {
        let database = try await MigratingDatabase.make(kind)
        try await database.migrate()
        let before = try await database.schema()
        try await database.migrate()
        MigrationText.expectSame(try await database.schema(), before, "migrated again", "migrated once")
        #expect(try await database.appliedCount() == database.latestVersion)
    }
}

/// Hashing and comparing migration texts and schema dumps.
enum MigrationText {
    /// SHA-256, in hex, of a migration's label and its statements: what it runs, and the
    /// name a database records it under.
    static func hash(_ label: String, _ statements: [String]) -> String {
        let text = ([label] + statements).joined(separator: "\n;\n")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Fails for each migration whose hash is not the pinned one, printing the actual hash
    /// so a new migration's line can be pasted in.
    static func expectPinned(
        _ actual: [Int: String], _ pinned: [Int: String], store: String, table: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for version in Set(actual.keys).union(pinned.keys).sorted() {
            switch (actual[version], pinned[version]) {
            case let (hash?, expected?) where hash != expected:
                Issue.record(
                    """
                    \(store) migration \(version) changed; migrations are frozen — add a new one. \
                    (Its text now hashes to \(hash), pinned \(expected).)
                    """, sourceLocation: sourceLocation)
            case let (hash?, nil):
                Issue.record(
                    "\(store) migration \(version) is new: pin it in MigrationTests.\(table) as \(version): \"\(hash)\",",
                    sourceLocation: sourceLocation)
            case (nil, _?):
                Issue.record(
                    "\(store) migration \(version) is gone; migrations are frozen — a shipped one stays.",
                    sourceLocation: sourceLocation)
            default:
                break
            }
        }
    }

    /// Expects two schema dumps to be equal, naming the lines only one of them has.
    static func expectSame(
        _ left: [String], _ right: [String], _ leftName: String, _ rightName: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard left != right else { return }
        let onlyLeft = left.filter { !right.contains($0) }
        let onlyRight = right.filter { !left.contains($0) }
        Issue.record(
            """
            The schema \(leftName) differs from the one \(rightName).
            Only \(leftName):
            \(onlyLeft.joined(separator: "\n"))
            Only \(rightName):
            \(onlyRight.joined(separator: "\n"))
            """, sourceLocation: sourceLocation)
    }
}

/// A fresh, unmigrated database of either store, migrated by the test.
enum MigratingDatabase {
    case sqlite(SQLiteJobStore)
    case postgres(PostgresJobStore)

    static func make(_ kind: StoreKind) async throws -> MigratingDatabase {
        switch kind {
        case .sqlite: .sqlite(try SQLiteJobStore(path: TestFiles.temporaryPath("sqlite")))
        case .postgres: .postgres(try await PostgresTestDatabase.makeStore())
        }
    }

    var latestVersion: Int {
        switch self {
        case .sqlite: SQLiteSchema.migrations.count
        case .postgres: PostgresSchema.latestVersion
        }
    }

    func migrate() async throws {
        switch self {
        case .sqlite(let store): try await store.migrate()
        case .postgres(let store): try await store.migrate()
        }
    }

    func migrate(upTo version: Int) async throws {
        switch self {
        case .sqlite(let store): try await store.migrate(upTo: version)
        case .postgres(let store): try await store.migrate(upTo: version)
        }
    }

    /// How many migrations the database records as applied.
    func appliedCount() async throws -> Int {
        switch self {
        case .sqlite(let store):
            return try await store.pool.read { db in try SQLiteSchema.migrator.appliedIdentifiers(db).count }
        case .postgres(let store):
            let rows = try await Self.query(store, "SELECT count(*)::bigint FROM conveyor_migrations")
            return try rows.first?.decode(Int.self) ?? 0
        }
    }

    /// Runs what PL/pgSQL only checks when it runs: a job inserted and moved (the event
    /// triggers, from migration 3) and claims on a plain and on a fair queue (the claim
    /// functions, from migration 8), against the schema as it stands at `version`. A
    /// function body naming a column that a later migration adds fails here.
    func exercise(_ version: Int) async throws {
        guard case .postgres(let store) = self, version >= 3 else { return }
        let keyed = version >= 8
        let (keyColumn, keyValue) = keyed ? (", concurrency_key", ", 'default'") : ("", "")
        for queue in ["plain-\(version)", "fair-\(version)"] {
            try await Self.query(
                store,
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO conveyor_jobs (id, type, queue, state, payload, run_at, max_attempts, backoff, tenant,
                            created_at\(keyColumn))
                        VALUES ('\(queue)', 't', '\(queue)', 'queued', '{}', now(), 1, '{}', 'default', now()\(keyValue))
                        """))
        }
        guard keyed else {
            try await Self.query(store, "UPDATE conveyor_jobs SET state = 'running' WHERE queue LIKE \("%-\(version)")")
            return
        }
        try await Self.query(
            store, "INSERT INTO conveyor_queue_settings (queue, fair, updated_at) VALUES (\("fair-\(version)"), true, now())")
        for queue in ["plain-\(version)", "fair-\(version)"] {
            let rows = try await Self.query(
                store, "SELECT id FROM conveyor_claim(\(queue), 10, 'w', now() + interval '1 minute', now())")
            let claimed = try rows.map { try $0.decode(String.self) }
            #expect(claimed == [queue], "conveyor_claim at migration \(version) on \(queue)")
        }
    }

    /// Runs `query` and reads its rows, failing with the server's message (a PSQLError's
    /// description hides it).
    @discardableResult
    static func query(_ store: PostgresJobStore, _ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            var rows: [PostgresRow] = []
            for try await row in try await store.client.query(query, logger: PostgresTestDatabase.logger) {
                rows.append(row)
            }
            return rows
        } catch {
            throw QueryFailed(description: "\(query.sql): \(String(reflecting: error))")
        }
    }

    struct QueryFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// The schema as sorted lines: PostgreSQL's tables, columns, constraints, indexes,
    /// sequences, functions (their whole definition) and triggers from the catalog;
    /// SQLite's `sqlite_master`, which keeps each object's SQL.
    func schema() async throws -> [String] {
        switch self {
        case .sqlite(let store):
            return try await store.pool.read { db in
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT type || ' ' || name || ' ON ' || tbl_name || ': ' || COALESCE(sql, '')
                        FROM sqlite_master ORDER BY type, name
                        """)
            }
        case .postgres(let store):
            var lines: [String] = []
            for query in Self.postgresCatalog {
                let rows = try await Self.query(store, PostgresQuery(unsafeSQL: query))
                lines += try rows.map { try $0.decode(String.self) }
            }
            return lines.sorted()
        }
    }

    /// Each query returns one line per object of the current schema.
    static let postgresCatalog = [
        """
        SELECT 'relation ' || c.relname::text || ' kind ' || c.relkind::text || ' options ' || COALESCE(array_to_string(c.reloptions, ','), '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i')
        """,
        """
        SELECT 'column ' || table_name || '.' || column_name || ' #' || ordinal_position || ' ' || data_type
            || ' ' || COALESCE(udt_name, '') || ' nullable ' || is_nullable || ' default ' || COALESCE(column_default, '-')
            || ' collation ' || COALESCE(collation_name, '-')
        FROM information_schema.columns WHERE table_schema = current_schema()
        """,
        """
        SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ': ' || pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema()
        """,
        "SELECT 'index ' || tablename || ' ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema()",
        """
        SELECT 'sequence ' || sequencename || ' ' || data_type::text || ' start ' || start_value || ' by ' || increment_by
        FROM pg_sequences WHERE schemaname = current_schema()
        """,
        """
        SELECT 'function ' || p.oid::regprocedure::text || ': ' || pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()
        """,
        """
        SELECT 'trigger ' || c.relname || ' ' || t.tgname || ': ' || pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND NOT t.tgisinternal
        """,
    ]
}
