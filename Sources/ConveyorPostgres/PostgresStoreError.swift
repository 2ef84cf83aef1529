/// The database holds something this version of Conveyor cannot read, or answered in a
/// way that breaks an assumption of the store. Never expected; reported, never crashed on.
struct PostgresStoreError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
