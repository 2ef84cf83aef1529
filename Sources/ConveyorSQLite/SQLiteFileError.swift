import Foundation

/// Creating the database file failed (a missing directory, no permission), with the
/// system's reason.
public struct SQLiteFileError: Error, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var code: Int32

    public var description: String {
        "cannot \(operation) the SQLite database file \(path): \(String(cString: strerror(code)))"
    }
}
