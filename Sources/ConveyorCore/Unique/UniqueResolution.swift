import Foundation

/// What a store does with one new job that has `unique` (docs/unique-jobs.md), decided in
/// Core from what the store read under its lock (SQLite's single writer, PostgreSQL's
/// advisory lock per key), so both stores resolve a key the same way.
public enum UniqueResolution: Sendable, Hashable {
    /// Its idempotency key matched this stored job, which wins as it does without
    /// `unique`: answer it (``InsertDisposition/idempotent``); nothing is written.
    case idempotent(Job)
    /// No job holds the key: insert the new one.
    case insert
    /// The holder waits and the options ask for a replace: the holder takes the new job's
    /// payload and `run_at` (and the state `run_at` implies) and is answered as
    /// ``InsertDisposition/replaced``. When the write finds it no longer waiting (a worker
    /// claimed it since the look), answer it as a conflict instead.
    case replace(UniqueHolder)
    /// The holder keeps the key: answer it as ``InsertDisposition/uniqueConflict``.
    case conflict(UniqueHolder)

    /// Resolves a new job with `unique`, created at `now`, against
    /// - `idempotent`: the stored job with the new job's idempotency key, if any;
    /// - `stored`: stored jobs the store found holding the key: each in one of the
    ///   ``UniqueOptions/resolvedStates`` or created at or after
    ///   ``UniqueOptions/periodStart(now:)``;
    /// - `batch`: earlier jobs of the same batch with the same tenant and key that are to
    ///   be inserted but are not rows yet (a store that inserts as it goes finds them
    ///   among `stored` instead). They hold the key by the same test.
    ///
    /// Of all holders the one that ``UniqueHolder/precedes(_:_:)`` the others is chosen.
    public static func resolve(
        _ unique: UniqueOptions, now: Date, idempotent: Job?, stored: [UniqueHolder], batch: [UniqueHolder] = []
    ) -> UniqueResolution {
        if let idempotent { return .idempotent(idempotent) }
        let held = batch.filter { unique.isHeld(state: $0.state, createdAt: $0.createdAt, now: now) }
        guard let holder = (stored + held).min(by: UniqueHolder.precedes) else { return .insert }
        return unique.replace && holder.waits ? .replace(holder) : .conflict(holder)
    }
}
