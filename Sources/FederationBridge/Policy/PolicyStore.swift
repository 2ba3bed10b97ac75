import Foundation
import Logging
import PIAChecks
import SAMLMapper

/// The privacy policy in force, re-read on SIGHUP.
///
/// A new version is checked as a whole before it replaces the old one: it
/// must parse and validate, and every attribute it allows must be one the
/// bridge can release. A version that fails is refused, the old one stays
/// in force, and the reason goes to the log and to `/readyz` (as a
/// degradation: the service keeps working on the old policy).
public final class PolicyStore: Sendable {
    public let file: URL
    private let state: LockedPolicy
    private let logger: Logger

    /// Reads the policy once; a policy that fails here stops the start-up.
    public init(file: URL, logger: Logger = Logger(label: "federation-bridge.policy")) throws {
        self.file = file
        self.logger = logger
        state = LockedPolicy(try Self.read(file))
    }

    /// The policy in force.
    public var current: Policy { state.value.policy }

    /// Why the latest reload was refused, if it was.
    public var problem: String? { state.value.problem }

    /// Reads and validates the file: a parse or validation error names the line and key.
    public static func read(_ file: URL) throws -> Policy {
        let policy = try Policy.load(from: file)
        for purpose in policy.purposes {
            for attribute in purpose.allowedAttributes where GuangdongAttribute(rawValue: attribute.name) == nil {
                throw PolicyError(
                    line: nil, key: "purposes[\(purpose.id)].attributes",
                    problem: "'\(attribute.name)' is not an attribute the bridge releases (docs/attributes.md)")
            }
        }
        return policy
    }

    /// Re-reads the file. Returns whether the new version is now in force.
    @discardableResult
    public func reload(now: Date = Date()) -> Bool {
        do {
            let policy = try Self.read(file)
            state.value = Entry(policy: policy, loadedAt: now, problem: nil)
            logger.info(
                "privacy policy reloaded",
                metadata: [
                    "file": "\(file.lastPathComponent)", "recipients": "\(policy.recipients.count)", "purposes": "\(policy.purposes.count)",
                ])
            return true
        } catch {
            var entry = state.value
            entry.problem = "policy reload refused (\(error)); still enforcing the version loaded at \(SAMLTime.string(entry.loadedAt))"
            state.value = entry
            logger.error(
                "privacy policy reload refused; the previous policy stays in force",
                metadata: [
                    "file": "\(file.lastPathComponent)", "reason": "\(error)",
                ])
            return false
        }
    }

    /// The `policy` readiness probe: always ready (a policy is in force),
    /// degraded while a reload is refused.
    public var readinessProbe: ReadinessProbe {
        ReadinessProbe(name: "policy", check: { nil }, degradation: { [self] in problem })
    }

    struct Entry: Sendable {
        var policy: Policy
        var loadedAt: Date
        var problem: String?
    }
}

/// The policy entry behind a lock: requests read it while a reload replaces it.
private final class LockedPolicy: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: PolicyStore.Entry

    init(_ policy: Policy) { entry = PolicyStore.Entry(policy: policy, loadedAt: Date(), problem: nil) }

    var value: PolicyStore.Entry {
        get { lock.withLock { entry } }
        set { lock.withLock { entry = newValue } }
    }
}
