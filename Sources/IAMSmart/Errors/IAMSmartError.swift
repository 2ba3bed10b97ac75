/// Everything that can go wrong talking to iAM Smart, each with a message an
/// operator can act on. Messages carry endpoint names, codes and attribute
/// names only, never personal data.
public enum IAMSmartError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: Codes iAM Smart returned

    /// `D20006`: iAM Smart rejected the request signature, nonce or timestamp.
    case signatureRejected(endpoint: String, serviceMessage: String)
    /// `D20008`: the redirect URI is not registered for this client ID.
    case callbackNotRegistered(endpoint: String)
    /// `D30002` even after one fresh `getKey`: content keys are not accepted.
    case contentKeyExpired(endpoint: String)
    /// `D30004`: iAM Smart could not decrypt our request content.
    case requestDecryptionRejected(endpoint: String)
    /// Any other non-success code.
    case serviceError(endpoint: String, code: String, serviceMessage: String)

    // MARK: Transport

    /// No answer within the configured time.
    case timeout(endpoint: String, limit: Duration)
    /// The connection could not be opened or broke.
    case connectionFailed(endpoint: String, reason: String)
    /// A status other than 200.
    case httpStatus(endpoint: String, status: Int)
    /// The body was not the JSON envelope or content expected.
    case malformedResponse(endpoint: String, reason: String)
    /// The response content failed AES-GCM authentication.
    case responseAuthenticationFailed(endpoint: String)
    /// Our private key could not decrypt the CEK from `getKey`.
    case contentKeyUnwrapFailed(padding: ContentKeyPadding)

    // MARK: Flow

    /// The callback carried no `state`, or one this flow did not issue.
    case stateMismatch
    /// The callback's `state` was issued but has already been used or expired.
    case stateExpiredOrUsed
    /// The callback carried no authorisation `code`.
    case missingAuthorizationCode
    /// The resident declined in the app (callback `error` parameter).
    case declinedByUser(reason: String)
    /// A re-authentication came back for a different account.
    case reauthenticationSubjectMismatch
    /// The assurance required is higher than the account can give.
    case assuranceNotMet(required: String, obtained: String)
    /// Bad settings; found at start-up.
    case invalidConfiguration(String)
    /// The client was used after `shutdown()`.
    case shutDown

    /// The D-code iAM Smart sent, when the error came from one.
    public var serviceCode: String? {
        switch self {
        case .signatureRejected: "D20006"
        case .callbackNotRegistered: "D20008"
        case .contentKeyExpired: "D30002"
        case .requestDecryptionRejected: "D30004"
        case .serviceError(_, let code, _): code
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .signatureRejected(let endpoint, let message):
            "iAM Smart rejected the request signature on \(endpoint) (D20006: \(message)). Check that clientID and clientSecret match the registration and that this host's clock is within a few minutes of real time."
        case .callbackNotRegistered(let endpoint):
            "iAM Smart refused the redirect URI on \(endpoint) (D20008). Register the configured redirectURI exactly (scheme, host, port, path) for this client ID, or correct the configuration."
        case .contentKeyExpired(let endpoint):
            "iAM Smart reported the content key missing or expired on \(endpoint) (D30002) even after a fresh getKey. Check the host clock and that only one client ID per deployment fetches keys."
        case .requestDecryptionRejected(let endpoint):
            "iAM Smart could not decrypt the request content on \(endpoint) (D30004), even after a fresh getKey. The key in use is not the one iAM Smart issued: check contentKeyPadding and that the registered certificate matches privateKeyPEM."
        case .serviceError(let endpoint, let code, let message):
            "iAM Smart returned \(code) on \(endpoint): \(message). Look the code up in the iAM Smart developer documentation; the request was not retried."
        case .timeout(let endpoint, let limit):
            "No answer from iAM Smart on \(endpoint) within \(limit). Check network reachability of the iAM Smart base URL or raise timeouts.total; the request was not retried."
        case .connectionFailed(let endpoint, let reason):
            "Could not reach iAM Smart for \(endpoint) (\(reason)). Check baseURL, DNS, firewall and proxy settings."
        case .httpStatus(let endpoint, let status):
            "iAM Smart answered \(endpoint) with HTTP \(status). A 5xx is an outage on their side: retry the sign-in later; a 4xx means a wrong baseURL or path."
        case .malformedResponse(let endpoint, let reason):
            "iAM Smart's answer to \(endpoint) was not the expected JSON (\(reason)). Check that baseURL points at the iAM Smart API and not a proxy or error page."
        case .responseAuthenticationFailed(let endpoint):
            "The response content from \(endpoint) failed AES-GCM authentication (tag mismatch): it was altered in transit or encrypted under another key. The cached content key was discarded; the next call fetches a new one."
        case .contentKeyUnwrapFailed(let padding):
            "Could not decrypt the content key from getKey with the configured private key and padding \(padding.rawValue). Check that privateKeyPEM belongs to the certificate registered with iAM Smart, or try the other contentKeyPadding."
        case .stateMismatch:
            "The iAM Smart callback's state does not belong to this sign-in. The resident should start again; repeated cases suggest a forged or cross-site callback."
        case .stateExpiredOrUsed:
            "The iAM Smart callback's state was already used or has expired. The resident should start the sign-in again."
        case .missingAuthorizationCode:
            "The iAM Smart callback carried no authorisation code. The resident should start the sign-in again."
        case .declinedByUser(let reason):
            "The resident declined in iAM Smart (\(reason)). Nothing to fix; offer to start again."
        case .reauthenticationSubjectMismatch:
            "Re-authentication returned a different iAM Smart account than the one signed in. The session was not upgraded; the resident must sign in again."
        case .assuranceNotMet(let required, let obtained):
            "The sign-in reached assurance \(obtained) but \(required) is required. Ask the resident to re-authenticate or to upgrade to iAM Smart+."
        case .invalidConfiguration(let reason):
            "Invalid iAM Smart configuration: \(reason)."
        case .shutDown:
            "The iAM Smart client was used after shutdown."
        }
    }
}
