/// Inbound webhook sources configured through the API. `definition` is the source as
/// JSON, secret included: verifying an HMAC needs the secret itself.
enum PostgresInboundSchema {
    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS conveyor_inbound_sources (
            name text PRIMARY KEY,
            definition json NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    ]
}
