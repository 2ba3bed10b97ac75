import Crypto
import Foundation
import Logging
import SAMLMapper

/// What the flow routes need from the composed service, handed to them as
/// one value so they can be installed without knowing how it was built.
public struct BridgeServices: Sendable {
    public let configuration: BridgeConfiguration
    public let store: any StateStore
    public let vault: StateVault
    public let sessions: SessionManager
    public let renderer: PageRenderer
    public let metrics: BridgeMetrics
    public let readiness: Readiness
    public let mapper: AttributeMapper
    public let logger: Logger
    /// Keeps failures that did not reach the transfer log, for reviewers.
    public var failures: FailureRecorder { FailureRecorder(store: store, retention: configuration.flow.failureRetention) }
}
