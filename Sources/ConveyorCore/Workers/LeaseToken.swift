import Crypto
import Foundation

/// The opaque token a remote worker holds for one attempt of one job: the job, the
/// attempt, the worker, and a MAC under the worker's secret. The store fences writes by
/// (job, attempt, owner); the MAC makes the token unforgeable, so knowing a job's id and
/// `lease_owner` (both visible in `GET /v1/jobs/{id}`) is not enough to settle it.
///
/// Wire form: base64url of `JOB.ATTEMPT.WORKER.MAC`. Job and worker ids never contain '.'.
public struct LeaseToken: Sendable, Hashable {
    public var jobID: String
    public var attempt: Int
    public var workerID: String
    var mac: String

    /// The token for `lease` held by `worker`.
    public init(lease: LeaseKey, worker: RemoteWorker) {
        jobID = lease.id
        attempt = lease.attempt
        workerID = worker.id
        mac = Self.mac(jobID: lease.id, attempt: lease.attempt, workerID: worker.id, secret: worker.secret)
    }

    /// Reads a token's parts; nil when it is not one (its MAC is checked by ``isSigned(by:)``).
    public init?(parsing text: String) {
        guard text.utf8.count <= 512, let data = Data(base64URLEncoded: text) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, let attempt = Int(parts[1]), attempt > 0, !parts[0].isEmpty, !parts[2].isEmpty else {
            return nil
        }
        jobID = String(parts[0])
        self.attempt = attempt
        workerID = String(parts[2])
        mac = String(parts[3])
    }

    public var lease: LeaseKey { LeaseKey(id: jobID, attempt: attempt) }

    /// Whether `worker` issued this token: the worker matches and the MAC verifies.
    public func isSigned(by worker: RemoteWorker) -> Bool {
        guard worker.id == workerID else { return false }
        let expected = Self.mac(jobID: jobID, attempt: attempt, workerID: workerID, secret: worker.secret)
        // Constant time: the comparison must not tell an attacker how much of a guess was right.
        return expected.utf8.count == mac.utf8.count
            && zip(expected.utf8, mac.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public var text: String {
        Data("\(jobID).\(attempt).\(workerID).\(mac)".utf8).base64URLEncodedString()
    }

    private static func mac(jobID: String, attempt: Int, workerID: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Data("\(jobID).\(attempt).\(workerID)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(code.prefix(16)).base64URLEncodedString()
    }
}
