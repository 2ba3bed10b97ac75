import AsyncHTTPClient
import Foundation
import IAMSmart
import NIOCore
import Sandbox
import Testing

@Suite("Client ↔ sandbox over loopback HTTP")
struct FlowTests {
    @Test func browserFlowSignsInAdultOnIAMSmart() async throws {
        let capture = LogCapture()
        try await withHarness(logger: capture.logger) { h in
            let (pending, url) = h.client.beginAuthorization(flowID: "flow-A", source: .pcBrowser, brokerPage: true)
            let query = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems)
            let values = Dictionary(query.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
            #expect(values["clientID"] == testClientID)
            #expect(values["responseType"] == "code")
            #expect(values["source"] == "PC_Browser")
            #expect(values["redirectURI"] == testRedirect)
            #expect(values["scope"] == "eidapi_auth")
            #expect(values["lang"] == "en-US")
            #expect(values["state"] == pending.state)
            #expect(values["brokerPage"] == "true")

            let callback = try await h.drive(url, resident: "adult-basic")
            #expect(callback.state == pending.state)
            let session = try await h.client.completeAuthorization(callback: callback, pending: pending, flowID: "flow-A")
            #expect(session.openID == h.sandbox.openID(forResident: "adult-basic"))
            #expect(session.assurance == Assurance(level: .basic, faceRecognitionUsed: false))
            #expect(session.grantedScopes == ["eidapi_auth"])

            // The code is single use at iAM Smart too.
            let code = try #require(callback.code)
            await #expect(throws: IAMSmartError.self) { try await h.client.exchangeCode(code) }
            let reused = await thrownError { _ = try await h.client.exchangeCode(code) }
            #expect(reused?.serviceCode == "D40001")
            let openID = session.openID
            #expect(!capture.all.isEmpty)
            #expect(capture.all.allSatisfy { !$0.contains(openID) })
            #expect(capture.all.contains { $0.contains(session.openIDDigest) })
        }
    }

    @Test(arguments: [AuthorizationSource.appScheme, .appLink])
    func appHandOffFlowSignsInAdultOnIAMSmartPlus(source: AuthorizationSource) async throws {
        try await withHarness { h in
            let (pending, url) = h.client.beginAuthorization(flowID: "flow-app", source: source, scopes: ["eidapi_auth", "eidapi_sign"])
            // The hand-off is a redirect straight into the app, not a QR page.
            let first = try await h.browser.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(5))
            #expect(first.status == .seeOther)
            #expect(first.headers.first(name: "location")?.hasPrefix("/sandbox/app/authorize?session=") == true)
            let callback = try await h.drive(url, resident: "adult-plus")
            let session = try await h.client.completeAuthorization(callback: callback, pending: pending, flowID: "flow-app")
            #expect(session.assurance.level == .plus)
            #expect(session.grantedScopes.contains("eidapi_sign"))
        }
    }

    @Test func basicAccountIsNotGrantedSigningAndFailsAPlusRequirement() async throws {
        try await withHarness { h in
            let (pending, url) = h.client.beginAuthorization(flowID: "f", source: .pcBrowser, scopes: ["eidapi_auth", "eidapi_sign"])
            let callback = try await h.drive(url, resident: "adult-basic")
            await #expect(throws: IAMSmartError.assuranceNotMet(required: "plus", obtained: "basic")) {
                try await h.client.completeAuthorization(
                    callback: callback, pending: pending, flowID: "f", requirement: AssuranceRequirement(level: .plus))
            }
        }
    }

    @Test func declineReturnsTypedError() async throws {
        try await withHarness { h in
            let (pending, url) = h.client.beginAuthorization(flowID: "f", source: .pcBrowser)
            let callback = try await h.drive(url, resident: "adult-basic", decision: "decline")
            #expect(callback.code == nil)
            await #expect(throws: IAMSmartError.declinedByUser(reason: "access_denied")) {
                try await h.client.completeAuthorization(callback: callback, pending: pending, flowID: "f")
            }
        }
    }

    @Test func forgedCallbackStateIsRejectedBeforeAnyExchange() async throws {
        try await withHarness { h in
            let (pending, _) = h.client.beginAuthorization(flowID: "victim", source: .pcBrowser)
            // An attacker's own sign-in, replayed into the victim's flow.
            let (attackerPending, attackerURL) = h.client.beginAuthorization(flowID: "attacker", source: .pcBrowser)
            let callback = try await h.drive(attackerURL, resident: "adult-plus")
            #expect(callback.state == attackerPending.state)
            await #expect(throws: IAMSmartError.stateMismatch) {
                try await h.client.completeAuthorization(callback: callback, pending: pending, flowID: "victim")
            }
            await #expect(throws: IAMSmartError.stateMismatch) {
                try await h.client.completeAuthorization(callback: callback, pending: attackerPending, flowID: "victim")
            }
        }
    }

    @Test func profileFetchReturnsOnlyRequestedFields() async throws {
        try await withHarness { h in
            let session = try await h.signIn("adult-basic", scopes: ["eidapi_auth", "eidapi_profiles"])
            let fields: [ProfileField] = [.enName, .chName, .birthDate, .residentialAddress, .mobileNumber, .idNo]
            let ticket = try await h.client.initiateProfileRequest(session: session, fields: fields, source: .pcBrowser)
            #expect(ticket.authByQR.contains(ticket.ticketID))
            // Nothing until the resident approves in the app.
            #expect(await thrownError { _ = try await h.client.fetchProfile(session: session, ticket: ticket) } == .approvalPending)
            try await h.answer(ticket)
            let profile = try await h.client.fetchProfile(session: session, ticket: ticket)
            #expect(profile.presentFields == Set(fields))
            #expect(profile.enName?.unstructuredName == "SANDBOX, Basic Adult")
            #expect(profile.chName?.chineseName == "沙盒基本")
            #expect(profile.birthDate?.yyyymmdd == "19850312")
            #expect(profile.mobileNumber == PhoneNumber(countryCode: "852", subscriberNumber: "55500001"))
            #expect(profile.idNo?.hasValidCheckDigit == true)
            #expect(profile.emailAddress == nil)
            if case .structured(let chinese, let english) = profile.residentialAddress {
                #expect(chinese?.estateName == "示範邨")
                #expect(english?.streetName == "TEST ROAD")
            } else {
                Issue.record("expected a structured address")
            }

            // Asking for more than the approved request is refused by iAM Smart.
            var wider = ticket
            wider.profileFields.append(.emailAddress)
            let refused = await thrownError { _ = try await h.client.fetchProfile(session: session, ticket: wider) }
            #expect(refused?.serviceCode == "D40004")
            #expect(refused?.description.contains("D40004") == true)
        }
    }

    @Test func aDeclinedDataRequestSharesNothing() async throws {
        try await withHarness { h in
            let session = try await h.signIn("adult-basic", scopes: ["eidapi_auth", "eidapi_profiles"])
            let ticket = try await h.client.initiateProfileRequest(session: session, fields: [.enName], source: .pcBrowser)
            try await h.answer(ticket, decision: "decline")
            #expect(await thrownError { _ = try await h.client.fetchProfile(session: session, ticket: ticket) } == .approvalDeclined)
            // A decided request keeps its answer.
            try await h.answer(ticket, decision: "approve")
            #expect(await thrownError { _ = try await h.client.fetchProfile(session: session, ticket: ticket) } == .approvalDeclined)
        }
    }

    @Test func eMEFetchForResidentsWithoutVerifiedChineseName() async throws {
        try await withHarness { h in
            let fields: [ProfileField] = [.chName, .chNameVerified, .postalAddress, .homeTelNumber]
            let unverified = try await h.signIn("chname-unverified", scopes: ["eidapi_auth", "eidapi_formFilling"])
            let ticket = try await h.client.initiateEMERequest(session: unverified, fields: fields, source: .pcBrowser)
            try await h.answer(ticket)
            let profile = try await h.client.fetchProfile(session: unverified, ticket: ticket)
            #expect(profile.chName?.chineseName == "沙盒未核")
            #expect(profile.chNameVerified == false)
            #expect(profile.postalAddress == nil)

            let noName = try await h.signIn("no-chname", scopes: ["eidapi_auth", "eidapi_formFilling"])
            let ticket2 = try await h.client.initiateEMERequest(session: noName, fields: fields, source: .pcBrowser)
            try await h.answer(ticket2)
            let profile2 = try await h.client.fetchProfile(session: noName, ticket: ticket2)
            #expect(profile2.chName == nil)
            #expect(profile2.chNameVerified == nil)
            #expect(profile2.postalAddress == .postOfficeBox(PostOfficeBox(boxNumber: "9999", postOffice: "SANDBOX POST OFFICE", region: "HK")))
            #expect(profile2.homeTelNumber?.countryCode == "852")

            // Profile scope was not granted to this token: e-ME only.
            await #expect(
                throws: IAMSmartError.serviceError(
                    endpoint: APIPath.profileInitiate, code: "D40003", serviceMessage: "scope eidapi_profiles was not granted")
            ) {
                try await h.client.initiateProfileRequest(session: noName, fields: [.enName], source: .pcBrowser)
            }
        }
    }

    @Test func minorProfileShowsAgeSeventeen() async throws {
        try await withHarness { h in
            let session = try await h.signIn("minor-17", scopes: ["eidapi_auth", "eidapi_profiles"])
            let ticket = try await h.client.initiateProfileRequest(session: session, fields: [.birthDate], source: .appScheme)
            try await h.answer(ticket)
            let birth = try #require(try await h.client.fetchProfile(session: session, ticket: ticket).birthDate)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Asia/Hong_Kong")!
            let today = calendar.dateComponents([.year, .month, .day], from: Date())
            #expect(birth.age(onYear: today.year!, month: today.month!, day: today.day!) == 17)
        }
    }

    @Test func reauthenticationAddsFaceRecognitionForTheSameAccount() async throws {
        try await withHarness { h in
            let session = try await h.signIn("adult-basic")
            let requirement = AssuranceRequirement(level: .basic, faceRecognition: true)
            #expect(!session.assurance.satisfies(requirement))

            let (pending, url) = h.client.beginReauthentication(of: session, flowID: "flow-r", source: .pcBrowser)
            #expect(pending.scopes.contains("eidapi_fr"))
            #expect(pending.reauthenticatingOpenIDDigest == session.openIDDigest)
            let callback = try await h.drive(url, resident: "adult-basic")
            let upgraded = try await h.client.completeAuthorization(
                callback: callback, pending: pending, flowID: "flow-r", previousSession: session, requirement: requirement)
            #expect(upgraded.assurance == Assurance(level: .basic, faceRecognitionUsed: true, reauthenticated: true))
            #expect(upgraded.openID == session.openID)

            // Someone else approving the re-authentication does not upgrade the session.
            let (pending2, url2) = h.client.beginReauthentication(of: session, flowID: "flow-r2", source: .appLink)
            let callback2 = try await h.drive(url2, resident: "adult-plus")
            await #expect(throws: IAMSmartError.reauthenticationSubjectMismatch) {
                try await h.client.completeAuthorization(callback: callback2, pending: pending2, flowID: "flow-r2", previousSession: session)
            }
        }
    }

    @Test func pkcs1ContentKeyPaddingWorksEndToEnd() async throws {
        try await withHarness(sandboxPadding: .pkcs1v15) { h in
            let session = try await h.signIn("adult-plus", source: .appScheme)
            #expect(session.assurance.level == .plus)
        }
    }

    @Test func shutdownRevokesTheContentKey() async throws {
        let sandboxCounts = try await withHarness { h in
            _ = try await h.signIn("adult-basic")
            #expect(await h.sandbox.contentKeyCounts().issued == 1)
            await h.client.shutdown()
            return await h.sandbox.contentKeyCounts()
        }
        #expect(sandboxCounts.issued == 1)
        #expect(sandboxCounts.revoked == 1)
    }

    @Test func concurrentCallsShareOneContentKey() async throws {
        try await withHarness { h in
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for resident in ["adult-basic", "adult-plus", "minor-17", "no-chname"] {
                    group.addTask { try await h.code(for: resident) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for code in codes { group.addTask { _ = try await h.client.exchangeCode(code) } }
                try await group.waitForAll()
            }
            #expect(await h.sandbox.contentKeyCounts().issued == 1)
        }
    }
}

/// Instances that share one client ID share iAM Smart's one content key.
@Suite struct SharedContentKeyTests {
    /// The shared place, in memory: one value, replaced by each fetch.
    actor MemoryKeys: ContentKeySharing {
        var key: SharedContentKey?
        func current() async -> SharedContentKey? { key }
        func publish(_ key: SharedContentKey, replacing previous: SharedContentKey?) async { self.key = key }
    }

    @Test func instancesUseOneKeyAndLeaveItUnrevokedWhenOneStops() async throws {
        let shared = MemoryKeys()
        let counts = try await withHarness { h in
            let configuration = clientConfiguration(baseURL: h.baseURL, padding: .oaepSHA1)
            let first = Harness(
                sandbox: h.sandbox, client: try IAMSmartClient(configuration: configuration, contentKeySharing: shared), baseURL: h.baseURL,
                browser: h.browser)
            let second = Harness(
                sandbox: h.sandbox, client: try IAMSmartClient(configuration: configuration, contentKeySharing: shared), baseURL: h.baseURL,
                browser: h.browser)
            _ = try await first.signIn("adult-basic")
            _ = try await second.signIn("adult-plus")
            _ = try await first.signIn("minor-17")
            await first.client.shutdown()
            await second.client.shutdown()
            return await h.sandbox.contentKeyCounts()
        }
        // One getKey for both instances, and stopping either leaves the other's key alone.
        #expect(counts.issued == 1)
        #expect(counts.revoked == 0)
    }
}
