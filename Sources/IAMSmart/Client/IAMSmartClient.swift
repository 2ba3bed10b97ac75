import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore

/// The bridge's client for the iAM Smart API, as one registered online service.
///
/// It signs every request, fetches and caches the content encryption key (CEK),
/// encrypts request bodies and decrypts responses, and turns every failure into
/// an ``IAMSmartError``. Calls are not retried, with one exception: a `D30002`
/// (CEK missing or expired) or `D30004` (content not decryptable: another
/// instance of the same service fetched a newer key) means iAM Smart did not
/// process the request, so the client fetches a new key once and sends the
/// request once more.
///
/// Call ``shutdown()`` before the process exits: it revokes the CEK and, when
/// the client created its own `HTTPClient`, shuts that down.
public final class IAMSmartClient: Sendable {
    public let configuration: IAMSmartConfiguration
    private let transport: HTTPTransport
    private let keys = ContentKeyStore()
    private let ownsHTTPClient: Bool
    private let logger: Logger
    private let contentKeySharing: (any ContentKeySharing)?

    /// - Parameters:
    ///   - httpClient: a shared client to use; when nil the client creates one
    ///     with the configured connect timeout and shuts it down in ``shutdown()``.
    ///     A shared client keeps its own connect timeout; the total timeout
    ///     applies per request either way.
    ///   - contentKeySharing: where instances sharing this client ID share
    ///     the content key; nil when this is the only instance.
    public init(
        configuration: IAMSmartConfiguration,
        httpClient: HTTPClient? = nil,
        contentKeySharing: (any ContentKeySharing)? = nil,
        logger: Logger = Logger(label: "iamsmart")
    ) throws(IAMSmartError) {
        guard !configuration.clientID.isEmpty else { throw .invalidConfiguration("clientID is empty") }
        guard !configuration.clientSecret.isEmpty else { throw .invalidConfiguration("clientSecret is empty") }
        guard let scheme = configuration.baseURL.scheme, ["http", "https"].contains(scheme),
            configuration.baseURL.host != nil
        else { throw .invalidConfiguration("baseURL must be an http(s) URL with a host") }
        guard !configuration.redirectURI.isEmpty else { throw .invalidConfiguration("redirectURI is empty") }
        guard configuration.timeouts.connect > .zero, configuration.timeouts.total > .zero else {
            throw .invalidConfiguration("timeouts must be positive")
        }
        try ContentKeyTransport.validatePrivateKey(configuration)

        self.configuration = configuration
        self.logger = logger
        self.contentKeySharing = contentKeySharing
        let client: HTTPClient
        if let httpClient {
            client = httpClient
            ownsHTTPClient = false
        } else {
            var httpConfiguration = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: configuration.timeouts.connect.timeAmount, read: configuration.timeouts.total.timeAmount)
            )
            httpConfiguration.httpVersion = .automatic
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
            ownsHTTPClient = true
        }
        self.transport = HTTPTransport(
            httpClient: client,
            baseURL: configuration.baseURL,
            signer: RequestSigner(clientID: configuration.clientID, clientSecret: configuration.clientSecret),
            timestamps: TimestampGenerator(),
            totalTimeout: configuration.timeouts.total,
            maximumResponseBytes: configuration.maximumResponseBytes
        )
    }

    // MARK: Sign-in

    /// Starts a sign-in: the pending state to store, and the `getQR` URL to send
    /// the browser to.
    public func beginAuthorization(
        flowID: String,
        source: AuthorizationSource,
        scopes: [String]? = nil,
        brokerPage: Bool = false
    ) -> (pending: PendingAuthorization, url: URL) {
        let pending = PendingAuthorization(flowID: flowID, source: source, scopes: scopes ?? configuration.scopes)
        return (pending, authorizationURL(for: pending, brokerPage: brokerPage))
    }

    /// Starts a re-authentication of `session` that adds a live face match
    /// (`eidapi_fr`), for purposes that need more than the sign-in gave.
    public func beginReauthentication(
        of session: IAMSmartSession,
        flowID: String,
        source: AuthorizationSource,
        brokerPage: Bool = false,
        lang: String? = nil
    ) -> (pending: PendingAuthorization, url: URL) {
        var scopes = session.grantedScopes
        if !scopes.contains(Assurance.faceRecognitionScope) { scopes.append(Assurance.faceRecognitionScope) }
        var pending = PendingAuthorization(flowID: flowID, source: source, scopes: scopes)
        pending.reauthenticatingOpenIDDigest = session.openIDDigest
        return (pending, authorizationURL(for: pending, brokerPage: brokerPage, lang: lang))
    }

    /// The `getQR` URL for a pending sign-in.
    /// - Parameter lang: `zh-HK`, `zh-CN` or `en-US`, the language of the page
    ///   the resident comes from; the configured default when nil.
    public func authorizationURL(for pending: PendingAuthorization, brokerPage: Bool = false, lang: String? = nil) -> URL {
        var components = URLComponents(string: transport.url(APIPath.getQR))
        components?.queryItems = [
            URLQueryItem(name: "clientID", value: configuration.clientID),
            URLQueryItem(name: "responseType", value: "code"),
            URLQueryItem(name: "source", value: pending.source.rawValue),
            URLQueryItem(name: "redirectURI", value: configuration.redirectURI),
            URLQueryItem(name: "scope", value: pending.scopes.joined(separator: " ")),
            URLQueryItem(name: "lang", value: lang ?? configuration.lang),
            URLQueryItem(name: "state", value: pending.state),
            URLQueryItem(name: "brokerPage", value: brokerPage ? "true" : "false"),
        ]
        // `+` is legal in a query but many servers read it as a space.
        let query = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = query
        return components?.url ?? configuration.baseURL
    }

    /// Finishes a sign-in (or re-authentication) from its callback: checks the
    /// state binding, exchanges the code and derives the assurance.
    ///
    /// The caller must already have removed `pending` from its store.
    public func completeAuthorization(
        callback: CallbackParameters,
        pending: PendingAuthorization,
        flowID: String,
        previousSession: IAMSmartSession? = nil,
        requirement: AssuranceRequirement? = nil
    ) async throws(IAMSmartError) -> IAMSmartSession {
        let code = try pending.accept(callback, flowID: flowID)
        let session = try await exchangeCode(code, reauthenticating: previousSession)
        if let requirement, !session.assurance.satisfies(requirement) {
            logger.notice(
                "iAM Smart assurance below requirement",
                metadata: ["openid.digest": "\(session.openIDDigest)", "required": "\(requirement)", "obtained": "\(session.assurance)"]
            )
            throw .assuranceNotMet(required: requirement.description, obtained: session.assurance.description)
        }
        return session
    }

    /// `getToken`: exchanges an authorisation code for a session. When
    /// `previous` is given this is a re-authentication and must name the same
    /// account.
    public func exchangeCode(_ code: String, reauthenticating previous: IAMSmartSession? = nil) async throws(IAMSmartError) -> IAMSmartSession {
        let token = try await call(APIPath.getToken, request: TokenRequest(code: code), as: TokenContent.self)
        let digest = OpenIDDigest.compute(token.openID, key: configuration.logDigestKey)
        let scopes = token.scope.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        if let previous, previous.openID != token.openID {
            logger.warning(
                "iAM Smart re-authentication returned another account",
                metadata: ["openid.digest": "\(digest)", "expected.digest": "\(previous.openIDDigest)"]
            )
            throw .reauthenticationSubjectMismatch
        }
        let assurance = Assurance.derive(
            userType: token.userType,
            grantedScopes: scopes,
            plusUserTypes: configuration.plusUserTypes,
            reauthenticated: previous != nil
        )
        logger.info("iAM Smart token obtained", metadata: ["openid.digest": "\(digest)", "assurance": "\(assurance)"])
        return IAMSmartSession(
            openID: token.openID,
            openIDDigest: digest,
            accessToken: token.accessToken,
            accessTokenExpiresAt: token.issueAt + token.expiresIn,
            grantedScopes: scopes,
            userType: token.userType,
            assurance: assurance
        )
    }

    // MARK: Profile and e-ME

    /// Profile `initiateRequest`: asks the resident (in the app) to share `fields`.
    public func initiateProfileRequest(
        session: IAMSmartSession,
        fields: [ProfileField],
        source: AuthorizationSource
    ) async throws(IAMSmartError) -> ProfileTicket {
        let request = InitiateRequest(
            accessToken: session.accessToken, openID: session.openID, source: source.rawValue,
            profileFields: fields.map(\.rawValue), eMEFields: nil)
        let content = try await call(APIPath.profileInitiate, request: request, as: InitiateContent.self)
        return ProfileTicket(ticketID: content.ticketID, authByQR: content.authByQR, profileFields: fields, eMEFields: [])
    }

    /// e-ME (form filling) `initiateRequest`.
    public func initiateEMERequest(
        session: IAMSmartSession,
        fields: [ProfileField],
        source: AuthorizationSource
    ) async throws(IAMSmartError) -> ProfileTicket {
        let request = InitiateRequest(
            accessToken: session.accessToken, openID: session.openID, source: source.rawValue,
            profileFields: nil, eMEFields: fields.map(\.rawValue))
        let content = try await call(APIPath.eMEInitiate, request: request, as: InitiateContent.self)
        return ProfileTicket(ticketID: content.ticketID, authByQR: content.authByQR, profileFields: [], eMEFields: fields)
    }

    /// `profiles`: fetches exactly the fields of `ticket`. Fields iAM Smart
    /// sends beyond those are dropped unread.
    public func fetchProfile(session: IAMSmartSession, ticket: ProfileTicket) async throws(IAMSmartError) -> IAMSmartProfile {
        let request = ProfilesRequest(
            accessToken: session.accessToken, openID: session.openID, ticketID: ticket.ticketID,
            profileFields: ticket.profileFields.map(\.rawValue), eMEFields: ticket.eMEFields.map(\.rawValue))
        let content = try await call(APIPath.profiles, request: request, as: JSONValue.self)
        let wanted = Set(ticket.profileFields).union(ticket.eMEFields)
        do {
            let profile = try IAMSmartProfile(json: content, keeping: wanted)
            logger.info(
                "iAM Smart profile fetched",
                metadata: ["openid.digest": "\(session.openIDDigest)", "fields": "\(profile.presentFields.map(\.rawValue).sorted())"]
            )
            return profile
        } catch {
            throw .malformedResponse(endpoint: APIPath.profiles, reason: "\(error)")
        }
    }

    // MARK: Operations

    /// Pre-flight for start-up: asks `getQR` (as JSON) whether the configured
    /// redirect URI is registered. Throws `.callbackNotRegistered` on `D20008`;
    /// any other answer (a page, a redirect) counts as registered.
    public func verifyRedirectURIRegistered() async throws(IAMSmartError) {
        let pending = PendingAuthorization(flowID: "preflight", source: .pcBrowser, scopes: configuration.scopes)
        let url = authorizationURL(for: pending).absoluteString
        let (_, body) = try await transport.get(url, endpoint: APIPath.getQR)
        if let envelope = try? JSONDecoder().decode(Envelope<JSONValue>.self, from: body),
            envelope.code == ResultCode.callbackNotRegistered
        {
            throw .callbackNotRegistered(endpoint: APIPath.getQR)
        }
    }

    /// Revokes the CEK (best effort; not when other instances share it) and
    /// shuts down an owned HTTP client.
    public func shutdown() async {
        if await keys.removeAll(), contentKeySharing == nil {
            do {
                let body = try await transport.post(APIPath.revokeKey, body: Data("{}".utf8))
                let envelope = try? JSONDecoder().decode(Envelope<JSONValue>.self, from: body)
                if envelope?.code != ResultCode.success {
                    logger.notice("iAM Smart revokeKey not confirmed", metadata: ["code": "\(envelope?.code ?? "none")"])
                }
            } catch {
                logger.notice("iAM Smart revokeKey failed; the key expires on its own", metadata: ["error": "\(error)"])
            }
        }
        if ownsHTTPClient {
            do {
                try await transport.httpClient.shutdown()
            } catch {
                logger.notice("HTTP client shutdown reported an error", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Fetches a fresh CEK now, e.g. at start-up to fail fast on a key mismatch.
    public func prefetchContentKey() async throws(IAMSmartError) {
        _ = try await currentKey()
    }

    // MARK: Internals

    /// One encrypted call, with the single CEK refresh on `D30002` or `D30004`.
    private func call<Request: Encodable, Response: Decodable>(
        _ path: String,
        request: Request,
        as type: Response.Type
    ) async throws(IAMSmartError) -> Response {
        let plaintext: Data
        do {
            plaintext = try JSONEncoder().encode(request)
        } catch {
            throw .invalidConfiguration("request for \(path) could not be encoded")
        }
        var refreshed = false
        while true {
            let entry = try await currentKey()
            let sealed: String
            do {
                sealed = try ContentCipher.seal(plaintext, key: entry.key)
            } catch {
                throw .malformedResponse(endpoint: path, reason: "could not encrypt request")
            }
            let body = Data(#"{"content":"\#(sealed)"}"#.utf8)
            let data = try await transport.post(path, body: body)
            let envelope: Envelope<String>
            do {
                envelope = try JSONDecoder().decode(Envelope<String>.self, from: data)
            } catch {
                throw .malformedResponse(endpoint: path, reason: "envelope is not JSON {txID, code, message, content}")
            }
            switch envelope.code {
            case ResultCode.success:
                guard let content = envelope.content else {
                    throw .malformedResponse(endpoint: path, reason: "success without content")
                }
                let decrypted: Data
                do {
                    decrypted = try ContentCipher.open(content, key: entry.key)
                } catch ContentCipher.Failure.authenticationFailed {
                    await keys.invalidate(generation: entry.generation)
                    logger.warning(
                        "iAM Smart response failed GCM authentication", metadata: ["endpoint": "\(path)", "txID": "\(envelope.txID ?? "-")"])
                    throw .responseAuthenticationFailed(endpoint: path)
                } catch {
                    throw .malformedResponse(endpoint: path, reason: "content is not Base64 int32be(12)‖IV‖ciphertext‖tag")
                }
                do {
                    return try JSONDecoder().decode(Response.self, from: decrypted)
                } catch {
                    throw .malformedResponse(endpoint: path, reason: "decrypted content is not the expected JSON")
                }
            case ResultCode.contentKeyExpired where !refreshed, ResultCode.decryptionFailed where !refreshed:
                logger.info(
                    "iAM Smart content key expired or replaced; fetching a new one and retrying once",
                    metadata: ["endpoint": "\(path)", "code": "\(envelope.code)"])
                await keys.invalidate(generation: entry.generation)
                refreshed = true
            default:
                throw Self.error(for: envelope.code, message: envelope.message, endpoint: path)
            }
        }
    }

    private func currentKey() async throws(IAMSmartError) -> ContentKeyStore.Entry {
        let now = TimestampGenerator.systemMilliseconds()
        do {
            return try await keys.current(now: now) { [transport, configuration, logger, contentKeySharing] refusedKeyID in
                let seen = await contentKeySharing?.current()
                if let seen, seen.usableUntil > now, seen.id != refusedKeyID {
                    return seen
                }
                let data = try await transport.post(APIPath.getKey, body: Data("{}".utf8))
                let envelope: Envelope<KeyContent>
                do {
                    envelope = try JSONDecoder().decode(Envelope<KeyContent>.self, from: data)
                } catch {
                    throw IAMSmartError.malformedResponse(endpoint: APIPath.getKey, reason: "envelope is not JSON {txID, code, message, content}")
                }
                guard envelope.code == ResultCode.success else {
                    throw Self.error(for: envelope.code, message: envelope.message, endpoint: APIPath.getKey)
                }
                guard let content = envelope.content, let wrapped = Data(base64Encoded: content.secretKey) else {
                    throw IAMSmartError.malformedResponse(endpoint: APIPath.getKey, reason: "secretKey missing or not Base64")
                }
                let key = try ContentKeyTransport.unwrap(wrapped, configuration: configuration)
                let margin = Int64(configuration.contentKeyExpiryMargin.components.seconds * 1000)
                logger.debug("iAM Smart content key fetched", metadata: ["expiresIn.ms": "\(content.expiresIn)"])
                let fetched = SharedContentKey(
                    id: UUID().uuidString, keyBytes: key.withUnsafeBytes { Data($0) }, usableUntil: content.issueAt + content.expiresIn - margin)
                await contentKeySharing?.publish(fetched, replacing: seen)
                return fetched
            }
        } catch let error as IAMSmartError {
            throw error
        } catch {
            throw .connectionFailed(endpoint: APIPath.getKey, reason: String(describing: type(of: error)))
        }
    }

    static func error(for code: String, message: String?, endpoint: String) -> IAMSmartError {
        let serviceMessage = String((message ?? "no message").prefix(200))
        switch code {
        case ResultCode.badSignature: return .signatureRejected(endpoint: endpoint, serviceMessage: serviceMessage)
        case ResultCode.callbackNotRegistered: return .callbackNotRegistered(endpoint: endpoint)
        case ResultCode.contentKeyExpired: return .contentKeyExpired(endpoint: endpoint)
        case ResultCode.decryptionFailed: return .requestDecryptionRejected(endpoint: endpoint)
        case ResultCode.requestPending: return .approvalPending
        case ResultCode.requestDeclined: return .approvalDeclined
        case ResultCode.requestExpired: return .approvalExpired
        default: return .serviceError(endpoint: endpoint, code: String(code.prefix(16)), serviceMessage: serviceMessage)
        }
    }
}

/// A profile or e-ME request the resident is asked to approve in the app.
public struct ProfileTicket: Sendable, Hashable, Codable {
    public var ticketID: String
    /// QR content or hand-off link for the approval in the app.
    public var authByQR: String
    public var profileFields: [ProfileField]
    public var eMEFields: [ProfileField]

    public init(ticketID: String, authByQR: String, profileFields: [ProfileField], eMEFields: [ProfileField]) {
        self.ticketID = ticketID
        self.authByQR = authByQR
        self.profileFields = profileFields
        self.eMEFields = eMEFields
    }
}
