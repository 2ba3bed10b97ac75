import Crypto
import Foundation
import Hummingbird
import IAMSmart

/// The JSON API half of the sandbox: request signature checks, content keys,
/// token exchange, profile tickets and profiles, with the fault switches.
struct SandboxAPI: Sendable {
    let sandbox: IAMSmartSandbox
    var configuration: IAMSmartSandboxConfiguration { sandbox.configuration }
    var ledger: SandboxLedger { sandbox.ledger }

    func register(on router: Router<BasicRequestContext>) {
        router.post(RouterPath(APIPath.getKey)) { request, _ in
            await faulted(request) { body in try await getKey(body) }
        }
        router.post(RouterPath(APIPath.revokeKey)) { request, _ in
            await faulted(request) { _ in await revokeKey() }
        }
        router.post(RouterPath(APIPath.getToken)) { request, _ in
            await faulted(request) { body in try await encrypted(body) { try await getToken($0) } }
        }
        router.post(RouterPath(APIPath.profileInitiate)) { request, _ in
            await faulted(request) { body in try await encrypted(body) { try await initiate($0, kind: .profile) } }
        }
        router.post(RouterPath(APIPath.eMEInitiate)) { request, _ in
            await faulted(request) { body in try await encrypted(body) { try await initiate($0, kind: .eME) } }
        }
        router.post(RouterPath(APIPath.profiles)) { request, _ in
            await faulted(request) { body in try await encrypted(body) { try await profiles($0) } }
        }
    }

    // MARK: Pipeline

    /// A result code with a message, thrown by handlers and turned into an envelope.
    struct Refusal: Error {
        var code: String
        var message: String
    }

    /// What a handler answers: plain content (`getKey`) or content to encrypt.
    enum Reply {
        case plain(JSONValue?)
        case sealed(Data, SymmetricKey)
    }

    /// Applies faults, checks the five headers, runs the handler, and writes the envelope.
    private func faulted(_ request: Request, handler: (Data) async throws -> Reply) async -> Response {
        let faults = await ledger.faults
        if let delay = faults.delay { try? await Task.sleep(for: delay) }
        if faults.serverError {
            return Response(
                status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "sandbox fault: service unavailable")))
        }
        if faults.malformedJSON {
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"txID":"sandbox","code":"D00000","content":"#)))
        }
        if faults.dropConnection {
            // Promises more bytes than it sends, then fails the write: the server closes the connection.
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(contentLength: 4096) { writer in
                    try await writer.write(ByteBuffer(string: #"{"txID":"sandbox","code":"D0"#))
                    throw SandboxConnectionDropped()
                })
        }
        let envelope: Envelope<JSONValue>
        do {
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let body = Data(buffer.readableBytesView)
            try await verifySignature(request, body: body)
            switch try await handler(body) {
            case .plain(let content):
                envelope = Envelope(txID: SandboxLedger.randomToken(), code: ResultCode.success, message: "success", content: content)
            case .sealed(let plaintext, let key):
                var sealed = try ContentCipher.seal(plaintext, key: key)
                if faults.wrongGCMTag { sealed = Self.corruptingTag(sealed) }
                envelope = Envelope(txID: SandboxLedger.randomToken(), code: ResultCode.success, message: "success", content: .string(sealed))
            }
        } catch let refusal as Refusal {
            envelope = Envelope(txID: SandboxLedger.randomToken(), code: refusal.code, message: refusal.message, content: nil)
        } catch {
            envelope = Envelope(txID: SandboxLedger.randomToken(), code: "D99999", message: "sandbox internal error", content: nil)
        }
        return Self.json(envelope)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `D20006` unless the five headers are present, the signature matches,
    /// the timestamp is inside the window and the nonce is new.
    private func verifySignature(_ request: Request, body: Data) async throws {
        func header(_ name: String) throws -> String {
            let lowered = name.lowercased()
            guard let value = request.headers.first(where: { $0.name.canonicalName == lowered })?.value, !value.isEmpty else {
                throw Refusal(code: ResultCode.badSignature, message: "missing header \(name)")
            }
            return value
        }
        let clientID = try header("clientID")
        let method = try header("signatureMethod")
        let timestamp = try header("timestamp")
        let nonce = try header("nonce")
        let signature = try header("signature")
        guard clientID == configuration.clientID else {
            throw Refusal(code: ResultCode.badSignature, message: "unknown clientID")
        }
        guard method == RequestSigner.signatureMethod else {
            throw Refusal(code: ResultCode.badSignature, message: "unsupported signatureMethod")
        }
        guard nonce.count <= NonceGenerator.maximumLength else {
            throw Refusal(code: ResultCode.badSignature, message: "nonce longer than 36 characters")
        }
        let signer = RequestSigner(clientID: configuration.clientID, clientSecret: configuration.clientSecret)
        guard signer.isValid(signature: signature, timestamp: timestamp, nonce: nonce, body: body) else {
            throw Refusal(code: ResultCode.badSignature, message: "signature mismatch")
        }
        let now = Self.now()
        let window = configuration.timestampWindow.inMilliseconds
        guard let sent = Int64(timestamp), abs(now - sent) <= window else {
            throw Refusal(code: ResultCode.badSignature, message: "timestamp outside the accepted window")
        }
        guard await ledger.useNonce(nonce, now: now, window: window) else {
            throw Refusal(code: ResultCode.badSignature, message: "nonce already used")
        }
    }

    /// Opens an encrypted request with the current CEK (`D30002` without one,
    /// `D30004` when it does not decrypt) and seals the handler's answer.
    private func encrypted(_ body: Data, handler: (Data) async throws -> Data) async throws -> Reply {
        guard let keyBytes = await ledger.usableKey(now: Self.now()) else {
            throw Refusal(code: ResultCode.contentKeyExpired, message: "content key missing or expired; call getKey")
        }
        guard let wrapper = try? JSONDecoder().decode(EncryptedBody.self, from: body) else {
            throw Refusal(code: ResultCode.decryptionFailed, message: "body is not {content}")
        }
        let key = SymmetricKey(data: keyBytes)
        let plaintext: Data
        do {
            plaintext = try ContentCipher.open(wrapper.content, key: key)
        } catch {
            throw Refusal(code: ResultCode.decryptionFailed, message: "content could not be decrypted with the issued key")
        }
        return .sealed(try await handler(plaintext), key)
    }

    // MARK: Endpoints

    private func getKey(_ body: Data) async throws -> Reply {
        let issued = await ledger.issueKey(now: Self.now(), lifetime: configuration.contentKeyLifetime.inMilliseconds)
        let wrapped = try ContentKeyTransport.wrap(
            SymmetricKey(data: issued.key), recipientPEM: configuration.clientCertificatePEM, padding: configuration.contentKeyPadding)
        return .plain(
            .object([
                "secretKey": .string(wrapped.base64EncodedString()),
                "issueAt": .number(Double(issued.issueAt)),
                "expiresIn": .number(Double(issued.expiresIn)),
            ]))
    }

    private func revokeKey() async -> Reply {
        _ = await ledger.revokeKey()
        return .plain(nil)
    }

    private func getToken(_ plaintext: Data) async throws -> Data {
        guard let request = try? JSONDecoder().decode(TokenRequest.self, from: plaintext),
            request.grantType == "authorization_code"
        else { throw Refusal(code: "D40000", message: "request must be {code, grantType: authorization_code}") }
        let now = Self.now()
        guard let grant = await ledger.takeCode(request.code, now: now, lifetime: configuration.codeLifetime.inMilliseconds)
        else { throw Refusal(code: "D40001", message: "authorization code invalid, expired or already used") }
        guard let resident = configuration.residents.first(where: { $0.id == grant.residentID }) else {
            throw Refusal(code: "D40001", message: "authorization code invalid")
        }
        var tokenGrant = grant
        tokenGrant.issuedAt = now
        let token = await ledger.issueToken(tokenGrant)
        let content = TokenContent(
            accessToken: token, tokenType: "Bearer", issueAt: now,
            expiresIn: configuration.accessTokenLifetime.inMilliseconds,
            openID: Self.openID(clientID: configuration.clientID, residentID: resident.id),
            lastModifiedDate: 1_700_000_000_000,
            userType: resident.isPlus ? "iAMSmartPlus" : "iAMSmart",
            scope: grant.scopes.joined(separator: " "))
        return try JSONEncoder().encode(content)
    }

    enum InitiateKind { case profile, eME }

    private func initiate(_ plaintext: Data, kind: InitiateKind) async throws -> Data {
        guard let request = try? JSONDecoder().decode(InitiateRequest.self, from: plaintext) else {
            throw Refusal(code: "D40000", message: "request must be {accessToken, openID, source, profileFields | eMEFields}")
        }
        let grant = try await authorisedGrant(accessToken: request.accessToken, openID: request.openID)
        let requiredScope = kind == .profile ? "eidapi_profiles" : "eidapi_formFilling"
        guard grant.scopes.contains(requiredScope) else {
            throw Refusal(code: "D40003", message: "scope \(requiredScope) was not granted")
        }
        let fields = (kind == .profile ? request.profileFields : request.eMEFields) ?? []
        let known = Set(ProfileField.allCases.map(\.rawValue))
        guard !fields.isEmpty, fields.allSatisfy(known.contains) else {
            throw Refusal(code: "D40000", message: "field list empty or has unknown names")
        }
        // The request waits for the resident to approve the fields in the app (`authByQR`).
        let ticketID = await ledger.openTicket(.init(accessToken: request.accessToken, fields: Set(fields), openedAt: Self.now()))
        let base = (try? await sandbox.baseURL().absoluteString) ?? ""
        let content = InitiateContent(authByQR: "\(base)/sandbox/app/ticket?ticketID=\(ticketID)", ticketID: ticketID)
        return try JSONEncoder().encode(content)
    }

    private func profiles(_ plaintext: Data) async throws -> Data {
        guard let request = try? JSONDecoder().decode(ProfilesRequest.self, from: plaintext) else {
            throw Refusal(code: "D40000", message: "request must be {accessToken, openID, ticketID, profileFields, eMEFields}")
        }
        let grant = try await authorisedGrant(accessToken: request.accessToken, openID: request.openID)
        let asked = Set(request.profileFields + request.eMEFields)
        guard let ticketID = request.ticketID, let ticket = await ledger.ticket(ticketID),
            ticket.accessToken == request.accessToken, asked.isSubset(of: ticket.fields)
        else { throw Refusal(code: "D40004", message: "fields not covered by an approved request") }
        let now = Self.now()
        switch ticket.status {
        case .declined:
            throw Refusal(code: ResultCode.requestDeclined, message: "the resident declined the data request")
        case .pending where now - ticket.openedAt > configuration.ticketLifetime.inMilliseconds:
            throw Refusal(code: ResultCode.requestExpired, message: "the data request expired before the resident answered")
        case .pending:
            throw Refusal(code: ResultCode.requestPending, message: "the resident has not approved the data request yet")
        case .approved where now < ticket.effectiveAt:
            throw Refusal(code: ResultCode.requestPending, message: "the resident has not approved the data request yet")
        case .approved:
            break
        }
        guard let resident = configuration.residents.first(where: { $0.id == grant.residentID }) else {
            throw Refusal(code: "D40002", message: "access token invalid")
        }
        let content = JSONValue.object(resident.profile.filter { asked.contains($0.key) })
        return try JSONEncoder().encode(content)
    }

    private func authorisedGrant(accessToken: String, openID: String) async throws -> SandboxLedger.Grant {
        guard let grant = await ledger.grant(forToken: accessToken, now: Self.now(), lifetime: configuration.accessTokenLifetime.inMilliseconds),
            Self.openID(clientID: configuration.clientID, residentID: grant.residentID) == openID
        else { throw Refusal(code: "D40002", message: "access token invalid or expired, or openID does not match") }
        return grant
    }

    // MARK: Helpers

    /// Per-service pseudonym: the same resident gets different openIDs at different services.
    static func openID(clientID: String, residentID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(residentID.utf8), using: SymmetricKey(data: Data(clientID.utf8)))
        return Data(mac).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    static func now() -> Int64 { TimestampGenerator.systemMilliseconds() }

    /// Flips one bit of the GCM tag (the last byte) inside a Base64 envelope.
    static func corruptingTag(_ sealed: String) -> String {
        guard var data = Data(base64Encoded: sealed), let last = data.indices.last else { return sealed }
        data[last] ^= 0x01
        return data.base64EncodedString()
    }
}

/// Thrown by the `dropConnection` fault to cut an answer short.
struct SandboxConnectionDropped: Error {}
