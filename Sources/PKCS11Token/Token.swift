import CPKCS11
import Synchronization

/// One logged-in PKCS#11 token with a pool of sessions.
///
/// Tokens serialise work per session, so every caller borrows a session of its
/// own and returns it afterwards; new sessions open on demand. A failure that
/// says the session, login or token is gone (the token was removed, reset or
/// locked) closes every pooled session, so the next call finds the token and
/// logs in again; when the token cannot be found at all, the module is
/// re-initialised so it looks for tokens afresh. Operations fail while the
/// token is away and recover on their own once it is back.
public final class Token: Sendable {
    public let configuration: TokenConfiguration
    let module: PKCS11Module
    private let pool = Mutex(Pool())

    private struct Pool {
        /// The module generation the slot and sessions belong to.
        var generation = 0
        var slot: CK_SLOT_ID?
        var idle: [CK_SESSION_HANDLE] = []
        /// Object handles by class and label; valid until the pool resets.
        var handles: [ObjectName: CK_OBJECT_HANDLE] = [:]
    }

    struct ObjectName: Hashable {
        var objectClass: CK_OBJECT_CLASS
        var label: String
    }

    /// Loads the module and logs in once, so a wrong path, label or PIN fails at start.
    /// A token the module does not list yet is looked for once more after the
    /// module re-initialises (another process may have been writing it).
    public init(_ configuration: TokenConfiguration) throws(TokenError) {
        self.configuration = configuration
        self.module = try PKCS11Module.load(path: configuration.modulePath)
        do throws(TokenError) {
            try withSession { _ throws(TokenError) in }
        } catch  where error.meansTokenGone {
            try withSession { _ throws(TokenError) in }
        }
    }

    /// Runs `body` with a logged-in session of its own. A pooled session the
    /// token has dropped meanwhile (closed, logged out) is replaced and
    /// `body` runs once more on a fresh one, so a token that closed idle
    /// sessions costs no failed sign-in.
    func withSession<T>(_ body: (Session) throws(TokenError) -> T) throws(TokenError) -> T {
        let generation = module.generation
        do throws(TokenError) {
            return try module.withCalls { () throws(TokenError) -> T in
                let (session, pooled) = try checkOut()
                do throws(TokenError) {
                    return try run(body, on: session)
                } catch  where pooled && error.invalidatesSessions && !error.meansTokenGone {
                    let (fresh, _) = try checkOut()
                    return try run(body, on: fresh)
                }
            }
        } catch {
            if error.meansTokenGone { module.reinitialize(seenGeneration: generation) }
            throw error
        }
    }

    private func run<T>(_ body: (Session) throws(TokenError) -> T, on session: Session) throws(TokenError) -> T {
        do throws(TokenError) {
            let result = try body(session)
            checkIn(session)
            return result
        } catch {
            if error.invalidatesSessions {
                session.close()
                reset()
            } else {
                checkIn(session)
            }
            throw error
        }
    }

    /// Closes every session of this process on the token (`C_CloseAllSessions`),
    /// which also logs out; for shutdown. A later call opens and logs in anew.
    public func close() {
        let slot = pool.withLock { $0.slot }
        reset()
        if let slot { _ = try? module.withCalls { () throws(TokenError) in _ = module.functions.pointee.C_CloseAllSessions?(slot) } }
    }

    private func checkIn(_ session: Session) {
        pool.withLock { pool in
            if pool.generation == session.generation { pool.idle.append(session.handle) }
        }
    }

    /// Nil when the token is present, logged in and not locked; else why not.
    public func problem() -> String? {
        do throws(TokenError) {
            try withSession { session throws(TokenError) in
                try session.checkLoggedIn()
                let flags = try module.tokenFlags(slot: session.slot)
                if flags & CK_FLAGS(CKF_USER_PIN_LOCKED) != 0 {
                    throw .loginFailed(label: configuration.tokenLabel, returnValue: UInt(CKR_PIN_LOCKED))
                }
            }
            return nil
        } catch {
            return error.description
        }
    }

    /// The handle of the one object of `objectClass` labelled `label`.
    func handle(_ objectClass: CK_OBJECT_CLASS, label: String, in session: Session, cached: Bool = true) throws(TokenError) -> CK_OBJECT_HANDLE {
        let name = ObjectName(objectClass: objectClass, label: label)
        if cached, let handle = pool.withLock({ $0.handles[name] }) { return handle }
        let found = try session.findObjects(objectClass, label: label)
        guard found.count == 1, let handle = found.first else {
            throw .keyNotFound(label: label, count: found.count)
        }
        pool.withLock { $0.handles[name] = handle }
        return handle
    }

    /// Closes every pooled session (the token logs out when its last session
    /// closes) and forgets the slot and handles.
    func reset() {
        let closing = pool.withLock { pool -> [CK_SESSION_HANDLE] in
            defer { pool = Pool(generation: pool.generation) }
            return pool.idle
        }
        for handle in closing { Session(module: module, slot: 0, handle: handle, generation: 0).close() }
    }

    /// A session, and whether it came from the pool (rather than just opened).
    private func checkOut() throws(TokenError) -> (Session, pooled: Bool) {
        let generation = module.generation
        let (slot, idle) = pool.withLock { pool -> (CK_SLOT_ID?, CK_SESSION_HANDLE?) in
            // Sessions of an earlier module initialisation are void: drop them unclosed.
            if pool.generation != generation { pool = Pool(generation: generation) }
            return (pool.slot, pool.idle.popLast())
        }
        if let slot, let idle { return (Session(module: module, slot: slot, handle: idle, generation: generation), true) }
        let resolved: CK_SLOT_ID
        if let slot {
            resolved = slot
        } else {
            resolved = try module.slot(tokenLabel: configuration.tokenLabel)
            pool.withLock { $0.slot = resolved }
        }
        let session = try Session.open(module: module, slot: resolved, generation: generation)
        do throws(TokenError) {
            try session.logIn(pin: configuration.pin, tokenLabel: configuration.tokenLabel)
        } catch {
            session.close()
            reset()
            throw error
        }
        return (session, false)
    }
}
