import Foundation
import SAMLMapper

/// A Single Logout message the sandbox relying party received and what its
/// checks concluded, kept for a tester (or a test) to inspect.
public struct RelyingPartyLogout: Sendable {
    public enum Kind: String, Sendable {
        /// The bridge asked us to end a session (propagation).
        case request
        /// The bridge answered a LogoutRequest we sent.
        case response
    }

    public var kind: Kind
    /// `MetadataEndpoint.redirectBinding` or `.postBinding`.
    public var binding: String
    /// True when the signature (with the bridge's key), Issuer, Destination and the session or InResponseTo checked out.
    public var verified: Bool
    public var problem: String?
    /// A request's NameID and SessionIndexes.
    public var nameID: String?
    public var sessionIndexes: [String]
    /// A response's status and InResponseTo.
    public var statusCode: String?
    public var subStatusCode: String?
    public var inResponseTo: String?
    /// The message as received (inflated for HTTP-Redirect).
    public var xml: Data

    public var isSuccess: Bool { statusCode == SAMLStatus.success }
}

/// How a LogoutRequest leaves the sandbox relying party through the browser.
public enum RelyingPartyLogoutMessage: Sendable {
    /// HTTP-Redirect: the bridge URL with the signed query string.
    case redirect(url: String, requestID: String)
    /// HTTP-POST: the form to submit to the bridge.
    case post(action: String, fields: [(name: String, value: String)], requestID: String)

    public var requestID: String {
        switch self {
        case .redirect(_, let id), .post(_, _, let id): return id
        }
    }
}
