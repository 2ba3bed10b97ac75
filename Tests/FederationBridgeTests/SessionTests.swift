import Crypto
import Foundation
import Logging
import Testing
@testable import FederationBridge

@Suite struct SessionTests {
    let sessions = SessionManager(
        cookieName: "fb_session", secure: true, lifetime: .seconds(1800), csrfKey: SymmetricKey(size: .bits256))

    @Test func csrfTokensAreBoundToSessionAndForm() {
        let a = SessionManager.newSessionID()
        let b = SessionManager.newSessionID()
        #expect(a != b)
        #expect(SessionManager.isWellFormed(a))
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

    @Test func malformedSessionIDsAreNotWellFormed() {
        #expect(!SessionManager.isWellFormed(""))
        #expect(!SessionManager.isWellFormed(String(repeating: "a", count: 42)))
        #expect(!SessionManager.isWellFormed(String(repeating: "a", count: 42) + ";"))
        #expect(!SessionManager.isWellFormed(String(repeating: "é", count: 43)))
    }

    @Test func cookieAttributes() {
        let cookie = sessions.cookie(for: SessionManager.newSessionID()).description
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
