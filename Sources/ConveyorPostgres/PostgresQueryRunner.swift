import Logging
import PostgresNIO

/// Something that runs a query: the pool (each statement on its own) or one connection
/// (inside a transaction). Store methods take either, so a statement is written once.
protocol PostgresQueryRunner: Sendable {
    /// Runs `query` and reads every row. Reading to the end matters: an error the server
    /// raises after the first rows only surfaces while the rows are read.
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow]
}

extension PostgresClient: PostgresQueryRunner {
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}

extension PostgresConnection: PostgresQueryRunner {
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}

extension PostgresClient {
    /// Runs `body` in one READ COMMITTED transaction on one pooled connection.
    ///
    /// Unlike `withTransaction`, the body's own error is rethrown as is, so a
    /// ``ConveyorCore/ConveyorError`` raised inside reaches the caller unwrapped. The
    /// isolation level is spelled out because the idempotent insert relies on each
    /// statement seeing rows that other transactions committed meanwhile.
    func readCommittedTransaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.rows("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
            let result: Result
            do {
                result = try await body(connection)
            } catch {
                do {
                    try await connection.rows("ROLLBACK", logger: logger)
                } catch let rollbackError {
                    // The connection is most likely gone, and the pool drops it; the
                    // body's error is the one worth reporting.
                    logger.debug("rollback failed", metadata: ["error": "\(String(reflecting: rollbackError))"])
                }
                throw error
            }
            try await connection.rows("COMMIT", logger: logger)
            return result
        }
    }
}
