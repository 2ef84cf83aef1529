/// An error that names its own kind, recorded as the attempt's error `type` (for
/// example `connection` or `timeout`) instead of the Swift type's name, so that
/// dashboards and alerts can group failures by what went wrong.
public protocol CategorizedError: Error {
    var category: String { get }
}
