import Foundation
import Hummingbird
import IAMSmart
import PIAChecks
import SAMLMapper

extension FederationFlow {
    /// `GET /iamsmart/callback`: checks the state binding, exchanges the code,
    /// fetches only the profile fields the release needs, maps them, and
    /// keeps the prepared release (not the profile) for the consent page.
    func callback(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let (pointer, current) = try await currentFlow(context)
        var state = current
        let log = logger(context, flowID: state.flowID)
        guard state.phase == .awaitingIAMSmart, let pending = state.pending else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(state.flowID) already passed the iAM Smart step (callback replayed?)")
        }
        let query = request.uri.queryParameters
        let parameters = CallbackParameters(
            code: query["code"].map(String.init), state: query["state"].map(String.init), error: query["error"].map(String.init))
        guard let returned = parameters.state, returned == pending.state else {
            throw FlowError(
                .unknownState, .badRequest, .invalidRequest,
                "the iAM Smart callback's state does not belong to flow \(state.flowID); the flow is unchanged")
        }
        if parameters.error != nil {
            await end(state, context)
            log.info("resident cancelled at iAM Smart")
            let status = SAMLStatus(code: SAMLStatus.responder, subCode: SAMLStatus.authnFailed, message: "the resident cancelled the sign-in at iAM Smart")
            return try await deliver(status: status, route: pointer.route, notice: .iamSmartCancelled, context: context, request: request)
        }

        let now = clock.now()
        let profile: ResidentProfile
        do {
            let session = try await iamSmart.completeAuthorization(callback: parameters, pending: pending, flowID: state.flowID)
            let fields = Self.profileFields(for: allowedAttributes(state), minimumAge: policy.purpose(id: state.route.purposeID)?.minimumAge)
            let ticket = try await iamSmart.initiateProfileRequest(session: session, fields: fields, source: pending.source)
            let fetched = try await iamSmart.fetchProfile(session: session, ticket: ticket)
            profile = ResidentProfile(
                openID: session.openID, chineseName: fetched.chName?.chineseName, chineseNameVerified: fetched.chNameVerified ?? false,
                englishName: fetched.enName?.unstructuredName,
                birthDate: fetched.birthDate.flatMap { CalendarDate(year: $0.year, month: $0.month, day: $0.day) },
                gender: fetched.gender?.rawValue, assurance: session.assurance.level == .plus ? .plus : .basic,
                faceRecognitionUsed: session.assurance.faceRecognitionUsed)
        } catch {
            await end(state, context)
            throw FlowError(
                .iamSmartFailed, .badGateway, .iamSmartFailed, "iAM Smart step failed: \(error)",
                saml: SAMLStatus(code: SAMLStatus.responder, subCode: SAMLStatus.authnFailed, message: "the sign-in with iAM Smart did not complete"),
                route: pointer.route)
        }

        let release = services.mapper.map(
            profile, recipientEntityID: state.route.relyingParty, allowed: allowedAttributes(state), claims: state.claims, now: now)
        let age = profile.birthDate.map { $0.age(on: services.mapper.today(now)) }
        let assurance: PIAChecks.AssuranceLevel = (profile.assurance == .plus || profile.faceRecognitionUsed) ? .high : .substantial
        state.release = PreparedRelease(
            pairwiseNameID: release.nameID.value,
            attributes: release.attributes.map { StoredAttribute(name: $0.name, attribute: $0.attribute, transforms: $0.transforms) },
            subjectAgeYears: age, assurance: assurance.rawValue, authnInstant: now)
        state.phase = .awaitingConsent
        state.pending = nil
        state.claims = ClaimedValues()
        try await save(state)
        log.info("iAM Smart sign-in complete", metadata: [
            "attributes": "\(release.attributes.map(\.name.rawValue).joined(separator: ","))",
            "withheld": "\(release.withheld.keys.map(\.rawValue).sorted().joined(separator: ","))",
        ])
        return Hummingbird.Response(status: .seeOther, headers: [.location: "/consent", .cacheControl: "no-store"])
    }

    /// What may be released: allowed by the purpose, requested in the relying
    /// party's metadata, and, in "usable but not visible" mode, none of the
    /// compared values (only the match results).
    func allowedAttributes(_ state: FlowState) -> Set<String> {
        guard let purpose = policy.purpose(id: state.route.purposeID),
              let provider = registry.serviceProvider(entityID: state.route.relyingParty, now: clock.now())
        else { return [] }
        var allowed = Set(purpose.allowedAttributes.map(\.name)).intersection(provider.requestedAttributes.map(\.name))
        let compared: [GuangdongAttribute] = [.chineseName, .chineseNameSimplified, .englishName]
        let matches: [GuangdongAttribute] = [.nameMatches, .birthDateMatches]
        if state.route.claimMode {
            allowed.subtract(compared.map(\.rawValue))
        } else {
            allowed.subtract(matches.map(\.rawValue))
        }
        return allowed
    }

    /// The iAM Smart profile fields behind `attributes`, plus the birth date
    /// when the purpose has a minimum age (the age is checked, never sent).
    static func profileFields(for attributes: Set<String>, minimumAge: Int?) -> [ProfileField] {
        var fields: Set<ProfileField> = []
        for name in attributes.compactMap(GuangdongAttribute.init(rawValue:)) {
            switch name {
            case .chineseName, .chineseNameSimplified: fields.formUnion([.chName, .chNameVerified])
            case .englishName: fields.insert(.enName)
            case .sex: fields.insert(.gender)
            case .ageOver18, .birthDateMatches: fields.insert(.birthDate)
            case .nameMatches: fields.formUnion([.chName, .enName])
            default: break
            }
        }
        if (minimumAge ?? 0) > 0 { fields.insert(.birthDate) }
        return ProfileField.allCases.filter(fields.contains)
    }
}
