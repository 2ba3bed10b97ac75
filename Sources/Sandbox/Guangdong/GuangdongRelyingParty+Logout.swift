import Foundation
import SAMLMapper

/// Single Logout as a service provider does it: a signed LogoutRequest for a
/// session it holds, the bridge's LogoutRequests answered with a signed
/// LogoutResponse, and the bridge's LogoutResponses checked.
extension GuangdongRelyingParty {
    /// Our SingleLogoutService locations for a base URL: HTTP-Redirect first.
    public static func singleLogoutServices(baseURL: String) -> [(binding: String, location: String)] {
        [(MetadataEndpoint.redirectBinding, baseURL + "/slo"), (MetadataEndpoint.postBinding, baseURL + "/slo")]
    }

    /// Knobs a test turns to send a LogoutRequest the bridge must refuse.
    public struct LogoutOverrides: Sendable {
        public var id: String?
        public var issueInstant: Date?
        public var destination: String?
        public var nameID: String?
        public var sessionIndex: String?
        /// Signs with this key instead of ours.
        public var signingKey: SigningKey?
        public var unsigned: Bool

        public init(
            id: String? = nil, issueInstant: Date? = nil, destination: String? = nil, nameID: String? = nil, sessionIndex: String? = nil,
            signingKey: SigningKey? = nil, unsigned: Bool = false
        ) {
            self.id = id
            self.issueInstant = issueInstant
            self.destination = destination
            self.nameID = nameID
            self.sessionIndex = sessionIndex
            self.signingKey = signingKey
            self.unsigned = unsigned
        }
    }

    /// Sessions we hold, SessionIndex → pairwise NameID.
    public func sessions() async -> [String: String] {
        await ledger.sessions
    }

    /// Every logout message received so far, oldest first.
    public func logouts() async -> [RelyingPartyLogout] {
        await ledger.logouts
    }

    /// A signed LogoutRequest for the session with `sessionIndex` (the
    /// latest sign-in when nil), ready for the browser. The session ends here
    /// at once, as a service provider's does; the answer is awaited.
    public func logoutRequest(
        binding: String = MetadataEndpoint.redirectBinding, sessionIndex: String? = nil, relayState: String? = nil,
        overrides: LogoutOverrides = LogoutOverrides()
    ) async throws -> RelyingPartyLogoutMessage {
        let held = await ledger.sessions
        let latest = await ledger.outcomes.last { $0.sessionIndex.map { held[$0] != nil } ?? false }?.sessionIndex
        let index = overrides.sessionIndex ?? sessionIndex ?? latest
        guard let index, let nameID = overrides.nameID ?? held[index] else {
            throw GuangdongSandboxError.check("no session to log out of")
        }
        if let live = held[index] { _ = await ledger.endSession(sessionIndex: index, nameID: live) }
        let idp = configuration.identityProvider
        let request = LogoutRequest(
            id: overrides.id ?? SAMLIdentifier.make(), issueInstant: overrides.issueInstant ?? Date(),
            destination: overrides.destination ?? idp.singleLogoutURL, issuer: configuration.entityID,
            nameID: NameID(value: nameID, format: NameID.persistent, nameQualifier: idp.entityID, spNameQualifier: configuration.entityID),
            sessionIndexes: [index])
        await ledger.remember(logoutRequestID: request.id)
        let key = overrides.unsigned ? nil : (overrides.signingKey ?? signingKey)
        return try outgoing(
            Data(request.builder.xmlString().utf8), parameter: "SAMLRequest", binding: binding, relayState: relayState, key: key,
            requestID: request.id)
    }

    /// Signs for the binding: a query-string signature (HTTP-Redirect) or an enveloped one (HTTP-POST).
    func outgoing(_ xml: Data, parameter: String, binding: String, relayState: String?, key: SigningKey?, requestID: String) throws
        -> RelyingPartyLogoutMessage
    {
        let target = configuration.identityProvider.singleLogoutURL
        if binding == MetadataEndpoint.redirectBinding {
            let query = try RedirectBinding.encode(xml, parameter: parameter, relayState: relayState, key: key)
            return .redirect(url: target + (target.contains("?") ? "&" : "?") + query, requestID: requestID)
        }
        let signed = try key.map { try EnvelopedSigner(key: $0).signedXML(xml) } ?? xml
        var fields = [(name: parameter, value: POSTBinding.encode(signed))]
        if let relayState { fields.append((name: "RelayState", value: relayState)) }
        return .post(action: target, fields: fields, requestID: requestID)
    }

    /// A logout message from the bridge at our SingleLogoutService. A
    /// LogoutRequest is answered (signed, same binding); a LogoutResponse is
    /// checked. Returns the answer to send through the browser, if any.
    func receiveLogout(xml: Data, parameter: String, binding: String, signatureCheck: () throws -> XMLElement, relayState: String?) async
        -> (record: RelyingPartyLogout, answer: RelyingPartyLogoutMessage?)
    {
        var record = RelyingPartyLogout(
            kind: parameter == "SAMLRequest" ? .request : .response, binding: binding, verified: false, problem: nil, nameID: nil,
            sessionIndexes: [], statusCode: nil, subStatusCode: nil, inResponseTo: nil, xml: xml)
        var answer: RelyingPartyLogoutMessage?
        do {
            let element = try signatureCheck()
            let base = try await baseURL()
            let ours = Set(Self.singleLogoutServices(baseURL: base).map(\.location))
            if record.kind == .request {
                let request = try LogoutRequest(element: element)
                record.nameID = request.nameID.value
                record.sessionIndexes = request.sessionIndexes
                var status = SAMLStatus()
                do {
                    guard request.issuer == configuration.identityProvider.entityID else {
                        throw GuangdongSandboxError.check("LogoutRequest Issuer is not the bridge")
                    }
                    guard let destination = request.destination, ours.contains(destination) else {
                        throw GuangdongSandboxError.check("LogoutRequest Destination is not our SingleLogoutService")
                    }
                    guard abs(request.issueInstant.timeIntervalSinceNow) <= 180 else {
                        throw GuangdongSandboxError.check("LogoutRequest IssueInstant is not fresh")
                    }
                    var ended = false
                    for index in request.sessionIndexes where await ledger.endSession(sessionIndex: index, nameID: request.nameID.value) {
                        ended = true
                    }
                    guard ended else { throw GuangdongSandboxError.check("LogoutRequest names no session we hold") }
                    record.verified = true
                } catch {
                    record.problem = "\(error)"
                    status = SAMLStatus(code: SAMLStatus.requester, subCode: SAMLStatus.unknownPrincipal, message: "\(error)")
                }
                let response = LogoutResponse(
                    inResponseTo: request.id, destination: configuration.identityProvider.singleLogoutURL, issuer: configuration.entityID,
                    status: status)
                answer = try outgoing(
                    Data(response.builder.xmlString().utf8), parameter: "SAMLResponse", binding: binding, relayState: relayState,
                    key: signingKey, requestID: response.id)
            } else {
                let response = try LogoutResponse(element: element)
                record.statusCode = response.status.code
                record.subStatusCode = response.status.subCode
                record.inResponseTo = response.inResponseTo
                guard response.issuer == configuration.identityProvider.entityID else {
                    throw GuangdongSandboxError.check("LogoutResponse Issuer is not the bridge")
                }
                guard let destination = response.destination, ours.contains(destination) else {
                    throw GuangdongSandboxError.check("LogoutResponse Destination is not our SingleLogoutService")
                }
                guard let id = response.inResponseTo, await ledger.take(logoutRequestID: id) else {
                    throw GuangdongSandboxError.check("LogoutResponse InResponseTo names no LogoutRequest we are waiting for")
                }
                record.verified = true
            }
        } catch {
            record.problem = "\(error)"
        }
        await ledger.record(record)
        return (record, answer)
    }
}
