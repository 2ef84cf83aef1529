/// Everything a persistence driver implements. Being split into one protocol per feature
/// (issue 13); until then it is the whole of ``JobStore``.
public typealias StoreDriver = JobStore
