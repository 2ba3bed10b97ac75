import Crypto
import Foundation
import Logging
import Testing

@testable import FederationBridge

@Suite struct SessionTests {
    let sessions = SessionManager(
        cookieName: "fb_session", secure: true, lifetime: .seconds(1800), csrfKey: SymmetricKey(size: .bits256))

    @Test func csrfTokensAreBoundToSessionAndForm() {
        let a = sessions.newSessionID()
        let b = sessions.newSessionID()
        #expect(a != b)
        #expect(sessions.isIssued(a))
        let token = sessions.csrfToken(sessionID: a)
        #expect(sessions.verifyCSRF(token, sessionID: a))
        #expect(!sessions.verifyCSRF(token, sessionID: b))
        #expect(!sessions.verifyCSRF(token, sessionID: a, purpose: "review"))
        #expect(!sessions.verifyCSRF(nil, sessionID: a))
        #expect(!sessions.verifyCSRF(token, sessionID: nil))
        #expect(!sessions.verifyCSRF(String(token.dropLast()), sessionID: a))
        #expect(!sessions.verifyCSRF("%%%", sessionID: a))
        let otherKey = SessionManager(cookieName: "fb_session", secure: true, lifetime: .seconds(60), csrfKey: SymmetricKey(size: .bits256))
        #expect(!otherKey.verifyCSRF(token, sessionID: a))
    }

    @Test func base64URLMatchesFoundationsBase64WithTheURLAlphabet() {
        for length in 0..<40 {
            let bytes = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 251) })
            let expected = bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(bytes.base64URLEncoded() == expected)
            #expect(Data(base64URLEncoded: expected) == bytes)
        }
        #expect(Data(base64URLEncoded: "a+b/") == nil || Data(base64URLEncoded: "a+b/") == Data(base64Encoded: "a+b/"))
        #expect(Data(base64URLEncoded: "%%%") == nil)
        #expect(Data(base64URLEncoded: "a") == nil)
    }

    @Test func onlyIssuedSessionIDsAreAccepted() {
        #expect(!sessions.isIssued(""))
        #expect(!sessions.isIssued(String(repeating: "a", count: 63)))
        #expect(!sessions.isIssued(String(repeating: "a", count: 63) + ";"))
        #expect(!sessions.isIssued(String(repeating: "é", count: 64)))
        // Well formed but chosen by a client (fixation): refused.
        #expect(!sessions.isIssued(String(repeating: "A", count: 64)))
        // Issued by another deployment's key: refused.
        let other = SessionManager(cookieName: "fb_session", secure: true, lifetime: .seconds(60), csrfKey: SymmetricKey(size: .bits256))
        #expect(!sessions.isIssued(other.newSessionID()))
        // One changed character: refused.
        let issued = sessions.newSessionID()
        #expect(sessions.isIssued(issued))
        let flipped = String(issued.dropLast()) + (issued.last == "A" ? "B" : "A")
        #expect(!sessions.isIssued(flipped))
    }

    @Test func cookieAttributes() {
        let cookie = sessions.cookie(for: sessions.newSessionID()).description
        #expect(cookie.hasPrefix("__Host-fb_session="), "https sessions use the __Host- prefix")
        #expect(cookie.contains("Path=/"))
        #expect(!cookie.contains("Domain"))
        let plain = SessionManager(cookieName: "fb_session", secure: false, lifetime: .seconds(60), csrfKey: SymmetricKey(size: .bits256))
        #expect(plain.cookie(for: plain.newSessionID()).description.hasPrefix("fb_session="), "no prefix on plain-http loopback")
        #expect(cookie.contains("HttpOnly"))
        #expect(cookie.contains("Secure"))
        #expect(cookie.contains("SameSite=Lax"))
        #expect(cookie.contains("Max-Age=1800"))
    }

    @Test func formFieldsDecodeAndKeepFirstValue() {
        let form = FormFields(urlEncoded: "a=1&b=hello+world&c=%E9%99%B3&a=2&empty=&bare")
        #expect(form["a"] == "1")
        #expect(form["b"] == "hello world")
        #expect(form["c"] == "陳")
        #expect(form["empty"] == "")
        #expect(form["bare"] == "")
        #expect(form["missing"] == nil)
    }

    @Test func flowIDsAreRandomAndStrictlyParsed() throws {
        let id = FlowID.random()
        #expect(id.value.hasPrefix("fl-"))
        #expect(FlowID(id.value) == id)
        #expect(FlowID.random() != id)
        #expect(FlowID("fl-../../etc/passwd") == nil)
        #expect(FlowID("fl-" + String(repeating: "A", count: 26)) == nil)
        var logger = Logger(label: "test").forFlow(id)
        logger.logLevel = .debug
        #expect(logger[metadataKey: Logger.flowIDKey] == .string(id.value))
    }
}
