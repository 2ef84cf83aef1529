import ConveyorPostgres
import Testing

/// Connection URLs, as `--database` and `CONVEYOR_DATABASE_URL` pass them. No server needed.
@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test func readsEveryPart() throws {
        let c = try PostgresJobStore.configuration(url: "postgres://app:s%40cret@db.internal:6432/jobs?sslmode=require")
        #expect(c.host == "db.internal")
        #expect(c.port == 6432)
        #expect(c.username == "app")
        #expect(c.password == "s@cret")
        #expect(c.database == "jobs")
    }

    @Test func fillsDefaults() throws {
        let c = try PostgresJobStore.configuration(url: "postgresql://conveyor@127.0.0.1")
        #expect(c.port == 5432)
        #expect(c.password == nil)
        #expect(c.database == nil)
        let ipv6 = try PostgresJobStore.configuration(url: "postgres://u@[::1]:5433/db?sslmode=disable")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 5433)
    }

    @Test(arguments: [
        "mysql://u@h/db", "postgres://h/db", "postgres://u@/db", "postgres://u@h/db?sslmode=sometimes",
        "postgres://u@h/db?timeout=3", "postgres://u@h/a/b", "not a url",
    ])
    func refusesWhatItCannotUse(url: String) {
        #expect(throws: PostgresURLError.self) { try PostgresJobStore.configuration(url: url) }
    }

    @Test func errorsNeverShowThePassword() {
        let error = #expect(throws: PostgresURLError.self) {
            try PostgresJobStore.configuration(url: "postgres://u:hunter2@h/db?sslmode=maybe")
        }
        #expect(error?.message.contains("hunter2") == false)
        #expect(error?.message.contains("sslmode") == true)
    }
}
