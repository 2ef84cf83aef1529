import Foundation
import Testing

/// The conformance suite runs against PostgreSQL only when a server is configured. A
/// skipped store must never pass silently: CI fails without one, and a local run says so loudly.
@Suite("PostgreSQL availability")
struct PostgresAvailabilityTests {
    @Test func postgresTestsRunOrSayWhyNot() {
        guard PostgresTestDatabase.url == nil else { return }
        let environment = ProcessInfo.processInfo.environment
        if environment["CI"] == "true" {
            Issue.record(
                "CONVEYOR_TEST_POSTGRES_URL is not set, so the PostgreSQL store went untested. In CI, run the tests through scripts/with-postgres.sh (or scripts/test.sh).")
        } else {
            print(
                """
                ⚠️  POSTGRES TESTS SKIPPED: CONVEYOR_TEST_POSTGRES_URL is not set, so the conformance suite ran against SQLite only. \
                Run `scripts/with-postgres.sh swift test` to include PostgreSQL.
                """)
        }
    }
}
