import Foundation
import IAMSmart
import Sandbox
import Testing

@Suite("Profile model, HKID and assurance")
struct ModelTests {
    @Test func hkidCheckDigitKnownExamples() {
        // Published worked examples of the HKID scheme.
        #expect(HKIDCheckDigit.compute(for: "A123456") == "3")
        #expect(HKIDCheckDigit.compute(for: "G123456") == "A")
        #expect(HKIDCheckDigit.compute(for: "AB987654") == "3")
        #expect(HKIDNumber(identification: "A123456", checkDigit: "3").hasValidCheckDigit)
        #expect(!HKIDNumber(identification: "A123456", checkDigit: "4").hasValidCheckDigit)
    }

    @Test(arguments: ["", "A12345", "1234567", "A1234567", "ABC123456", "A12345X", "Ａ123456", "A123456\u{0}"])
    func hkidCheckDigitRejectsMalformed(_ value: String) {
        #expect(HKIDCheckDigit.compute(for: value) == nil)
    }

    @Test func sandboxResidentsAreSyntheticWithValidCheckDigits() throws {
        let residents = SandboxResident.standard()
        #expect(Set(residents.map(\.id)) == ["adult-basic", "adult-plus", "minor-17", "chname-unverified", "no-chname"])
        for resident in residents {
            let profile = try IAMSmartProfile(json: .object(resident.profile), keeping: Set(ProfileField.allCases))
            let id = try #require(profile.idNo)
            #expect(id.hasValidCheckDigit, "resident \(resident.id)")
            #expect(profile.enName?.unstructuredName.hasPrefix("SANDBOX") == true)
        }
    }

    @Test func minorIsSeventeenOnAnyDay() throws {
        let offsets: [Double] = [0, 86_400 * 100, 86_400 * 365 * 3]
        for offset in offsets {
            let today = Date(timeIntervalSince1970: 1_767_225_600 + offset)
            let minor = try #require(SandboxResident.standard(today: today).first(where: { $0.id == "minor-17" }))
            let profile = try IAMSmartProfile(json: .object(minor.profile), keeping: [.birthDate])
            let birth = try #require(profile.birthDate)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Asia/Hong_Kong")!
            let parts = calendar.dateComponents([.year, .month, .day], from: today)
            #expect(birth.age(onYear: parts.year!, month: parts.month!, day: parts.day!) == 17)
        }
    }

    @Test func profileKeepsOnlyRequestedFields() throws {
        let json = JSONValue.object([
            "enName": .object(["UnstructuredName": .string("SANDBOX, Test")]),
            "idNo": .object(["Identification": .string("A123456"), "CheckDigit": .string("3")]),
            "birthDate": .string("20000229"),
        ])
        let profile = try IAMSmartProfile(json: json, keeping: [.enName, .birthDate])
        #expect(profile.presentFields == [.enName, .birthDate])
        #expect(profile.idNo == nil)
        #expect(profile.birthDate?.yyyymmdd == "20000229")
    }

    @Test func malformedFieldsNameTheFieldButNotTheValue() throws {
        let cases: [(ProfileField, JSONValue)] = [
            (.birthDate, .string("2000-02-29")),
            (.birthDate, .string("20001340")),
            (.idNo, .object(["Identification": .string("A123456")])),
            (.mobileNumber, .object(["CountryCode": .string("852")])),
            (.chNameVerified, .string("maybe")),
            (.residentialAddress, .object(["Unknown": .string("x")])),
            (.emailAddress, .string("secret-person-value")),
            (.enName, .array([])),
        ]
        for (field, value) in cases {
            let result = Result { () throws -> IAMSmartProfile in
                try IAMSmartProfile(json: .object([field.rawValue: value]), keeping: [field])
            }
            guard case .failure(let failure) = result, let error = failure as? ProfileDecodingError else {
                Issue.record("\(field) accepted a malformed value")
                continue
            }
            #expect(error.field == field.rawValue)
            #expect(!error.description.contains("secret-person-value"))
            #expect(!error.description.contains("2000-02-29"))
        }
        #expect(throws: ProfileDecodingError.self) { try IAMSmartProfile(json: .string("x"), keeping: [.enName]) }
    }

    @Test func addressesInAllThreeShapes() throws {
        let residents = SandboxResident.standard()
        let basic = try IAMSmartProfile(
            json: .object(try #require(residents.first(where: { $0.id == "adult-basic" })).profile), keeping: [.residentialAddress])
        guard case .structured(let chinese, let english) = try #require(basic.residentialAddress) else {
            Issue.record("expected a structured address")
            return
        }
        #expect(chinese?.streetName == "測試道")
        #expect(english?.unit == "FLAT A")
        #expect(english?.floor == "12")
        #expect(english?.block == "BLOCK 2")
        #expect(english?.district == "SANDBOX DISTRICT")

        let plus = try IAMSmartProfile(
            json: .object(try #require(residents.first(where: { $0.id == "adult-plus" })).profile), keeping: [.residentialAddress, .postalAddress])
        #expect(plus.residentialAddress == .freeFormat(lines: ["FLAT 1, 1/F, SANDBOX MANSION", "99 EXAMPLE STREET", "TEST TOWN, NT"]))
        #expect(plus.postalAddress == .postOfficeBox(PostOfficeBox(boxNumber: "9999", postOffice: "SANDBOX POST OFFICE", region: "HK")))
    }

    @Test func assuranceDerivation() {
        let plusTypes: Set<String> = ["iAMSmartPlus"]
        let basic = Assurance.derive(userType: "iAMSmart", grantedScopes: ["eidapi_auth"], plusUserTypes: plusTypes, reauthenticated: false)
        #expect(basic == Assurance(level: .basic, faceRecognitionUsed: false))
        let plus = Assurance.derive(userType: "iAMSmartPlus", grantedScopes: ["eidapi_auth"], plusUserTypes: plusTypes, reauthenticated: false)
        #expect(plus.level == .plus)
        let signing = Assurance.derive(
            userType: nil, grantedScopes: ["eidapi_auth", "eidapi_sign"], plusUserTypes: plusTypes, reauthenticated: false)
        #expect(signing.level == .plus)
        let face = Assurance.derive(
            userType: "iAMSmart", grantedScopes: ["eidapi_auth", "eidapi_fr"], plusUserTypes: plusTypes, reauthenticated: true)
        #expect(face == Assurance(level: .basic, faceRecognitionUsed: true, reauthenticated: true))
        #expect(face.satisfies(AssuranceRequirement(level: .basic, faceRecognition: true)))
        #expect(!face.satisfies(AssuranceRequirement(level: .plus)))
        #expect(!basic.satisfies(AssuranceRequirement(level: .basic, faceRecognition: true)))
        #expect(plus.satisfies(AssuranceRequirement(level: .basic)))
    }

    @Test func stateBindingIsCheckedAndSingleUse() throws {
        let pending = PendingAuthorization(flowID: "flow-1", source: .pcBrowser, scopes: ["eidapi_auth"])
        #expect(pending.state.count >= 43)
        #expect(PendingAuthorization(flowID: "flow-1", source: .pcBrowser, scopes: []).state != pending.state)
        let good = CallbackParameters(code: "c0de", state: pending.state, error: nil)
        #expect(try pending.accept(good, flowID: "flow-1") == "c0de")
        #expect(throws: IAMSmartError.stateMismatch) { try pending.accept(good, flowID: "flow-2") }
        #expect(throws: IAMSmartError.stateMismatch) {
            try pending.accept(CallbackParameters(code: "c0de", state: pending.state + "x", error: nil), flowID: "flow-1")
        }
        #expect(throws: IAMSmartError.stateMismatch) {
            try pending.accept(CallbackParameters(code: "c0de", state: nil, error: nil), flowID: "flow-1")
        }
        #expect(throws: IAMSmartError.missingAuthorizationCode) {
            try pending.accept(CallbackParameters(code: nil, state: pending.state, error: nil), flowID: "flow-1")
        }
        #expect(throws: IAMSmartError.stateExpiredOrUsed) {
            try pending.accept(good, flowID: "flow-1", now: Date().addingTimeInterval(3600))
        }
        #expect(throws: IAMSmartError.declinedByUser(reason: "access_denied")) {
            try pending.accept(CallbackParameters(code: nil, state: pending.state, error: "access_denied"), flowID: "flow-1")
        }
        // Markup and control characters in the error parameter are stripped before it reaches a message.
        let hostile = CallbackParameters(code: nil, state: pending.state, error: "<script>x</script>\n" + String(repeating: "a", count: 500))
        #expect(hostile.error?.contains("<") == false)
        #expect(hostile.error?.contains("\n") == false)
        #expect((hostile.error?.count ?? 0) <= 64)

        // Single use with the storage pattern the service follows: remove, then accept.
        var store = [pending.state: pending]
        let taken = store.removeValue(forKey: pending.state)
        let first = try #require(taken)
        #expect(try first.accept(good, flowID: "flow-1") == "c0de")
        let takenAgain = store.removeValue(forKey: pending.state)
        #expect(takenAgain == nil)
    }

    @Test func sessionDescriptionHidesOpenID() {
        let session = IAMSmartSession(
            openID: "open-id-value-1234", openIDDigest: OpenIDDigest.compute("open-id-value-1234", key: Data([1])),
            accessToken: "token-value", accessTokenExpiresAt: 0, grantedScopes: ["eidapi_auth"], userType: nil,
            assurance: Assurance(level: .basic, faceRecognitionUsed: false))
        #expect(!session.description.contains("open-id-value-1234"))
        #expect(!session.description.contains("token-value"))
        #expect(session.description.contains(session.openIDDigest))
        #expect(OpenIDDigest.compute("a", key: Data([1])) != OpenIDDigest.compute("a", key: Data([2])))
        #expect(OpenIDDigest.compute("a", key: Data([1])).count == 16)
        // HMAC-SHA256 truncated to 8 bytes, as Python's hmac module gives it.
        #expect(OpenIDDigest.compute("open-id-value-1234", key: Data([1])) == "330b0711df0a407e")
        #expect(OpenIDDigest.compute("a", key: Data([1, 2, 3])) == "b937265e09a823d0")
    }
}
