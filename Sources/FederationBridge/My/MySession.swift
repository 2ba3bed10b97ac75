import Foundation
import IAMSmart

/// A resident's "What have I shared?" session, sealed in the state store
/// under the browser session and gone after `MySharesEndpoint.lifetime`.
///
/// It holds the pending iAM Smart sign-in, then the keyed subject digest
/// the transfer log files the resident under for each recipient: enough to
/// find their entries, nothing the log does not already hold.
struct MySession: Codable, Sendable {
    var pending: PendingAuthorization?
    /// Subject digest (hex) by recipient entity ID.
    var subjects: [String: String]
    var expiresAt: Date

    static func key(sessionID: String) -> String { "my:" + sessionID }
}
