/// Named secrets per tenant, and Conveyor's own keys under reserved names
/// (docs/security.md, "Secrets and signing").
enum PostgresSecretSchema {
    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS conveyor_secrets (
            tenant text COLLATE "C" NOT NULL,
            name text COLLATE "C" NOT NULL,
            value text NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (tenant, name)
        )
        """
    ]
}
