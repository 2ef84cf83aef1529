import ConveyorCore
import PostgresNIO

extension PostgresJobStore {
    /// SQLSTATE 53100 (`disk_full`), also when a transaction wraps it.
    public func isOutOfSpace(_ error: any Error) -> Bool {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] == "53100" }
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError, error.rollbackError]
                .contains { $0.map(isOutOfSpace) ?? false }
        }
        return false
    }
}
