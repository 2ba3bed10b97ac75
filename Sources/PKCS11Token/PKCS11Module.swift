import CPKCS11
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A PKCS#11 module (a shared library such as SoftHSM2's or a vendor's),
/// loaded with `dlopen` and initialised once per process.
///
/// `@unchecked Sendable`: the function list is read-only after loading and the
/// module is initialised with `CKF_OS_LOCKING_OK`, so Cryptoki guards its own
/// state across threads; sessions are never shared between concurrent callers
/// (``Token`` hands each caller its own).
public final class PKCS11Module: @unchecked Sendable {
    public let path: String
    let functions: UnsafeMutablePointer<CK_FUNCTION_LIST>
    /// Calls hold it shared; `reinitialize` holds it alone, because no call
    /// may run while Cryptoki is finalised.
    private let calls = ReadWriteLock()
    /// Counts re-initialisations: sessions and slots of an older one are void.
    private let generationCounter = Mutex(0)

    private init(path: String, functions: UnsafeMutablePointer<CK_FUNCTION_LIST>) {
        self.path = path
        self.functions = functions
    }

    var generation: Int { generationCounter.withLock { $0 } }

    /// Runs Cryptoki calls; never while the module re-initialises.
    func withCalls<T>(_ body: () throws(TokenError) -> T) throws(TokenError) -> T {
        calls.lockShared()
        defer { calls.unlock() }
        return try body()
    }

    /// `C_Finalize` then `C_Initialize`: what makes a module see a token
    /// again after it went away (SoftHSM2 and many network HSM clients only
    /// rediscover tokens this way). Voids every session of this module.
    func reinitialize(seenGeneration: Int) {
        calls.lockExclusive()
        defer { calls.unlock() }
        // Another caller already did it since this one looked.
        guard generation == seenGeneration else { return }
        _ = functions.pointee.C_Finalize?(nil)
        _ = Self.initialize(functions)
        generationCounter.withLock { $0 += 1 }
    }

    private static func initialize(_ list: UnsafeMutablePointer<CK_FUNCTION_LIST>) -> CK_RV {
        guard let initialize = list.pointee.C_Initialize else { return CK_RV(CKR_FUNCTION_NOT_SUPPORTED) }
        var arguments = CK_C_INITIALIZE_ARGS()
        arguments.flags = CK_FLAGS(CKF_OS_LOCKING_OK)
        return withUnsafeMutablePointer(to: &arguments) { initialize(UnsafeMutableRawPointer($0)) }
    }

    /// Modules already loaded, by path: Cryptoki may be initialised only once
    /// per process, and every token of a module shares that initialisation.
    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    /// The module at `path`, loaded and initialised on first use.
    public static func load(path: String) throws(TokenError) -> PKCS11Module {
        try loaded.withLock { modules throws(TokenError) -> PKCS11Module in
            if let module = modules[path] { return module }
            guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
                let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
                throw .moduleUnusable(path: path, reason: reason)
            }
            guard let symbol = dlsym(library, "C_GetFunctionList") else {
                dlclose(library)
                throw .moduleUnusable(path: path, reason: "no C_GetFunctionList symbol")
            }
            let getFunctionList = unsafeBitCast(symbol, to: CK_C_GetFunctionList.self)
            var list: UnsafeMutablePointer<CK_FUNCTION_LIST>?
            let rv = getFunctionList(&list)
            guard rv == CKR_OK, let list else {
                throw .moduleUnusable(path: path, reason: "C_GetFunctionList returned \(TokenError.name(rv))")
            }
            let initialized = initialize(list)
            guard initialized == CKR_OK || initialized == CKR_CRYPTOKI_ALREADY_INITIALIZED else {
                throw .moduleUnusable(path: path, reason: "C_Initialize returned \(TokenError.name(initialized))")
            }
            let module = PKCS11Module(path: path, functions: list)
            modules[path] = module
            return module
        }
    }

    /// Slot of the first present token whose label is `label`.
    func slot(tokenLabel label: String) throws(TokenError) -> CK_SLOT_ID {
        guard let getSlotList = functions.pointee.C_GetSlotList, let getTokenInfo = functions.pointee.C_GetTokenInfo else {
            throw .moduleUnusable(path: path, reason: "no C_GetSlotList")
        }
        var count: CK_ULONG = 0
        try check("C_GetSlotList", getSlotList(CK_BBOOL(CK_TRUE), nil, &count))
        var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
        try check("C_GetSlotList", getSlotList(CK_BBOOL(CK_TRUE), &slots, &count))
        for slot in slots.prefix(Int(count)) {
            var info = CK_TOKEN_INFO()
            guard getTokenInfo(slot, &info) == CKR_OK else { continue }
            if Self.paddedText(info.label) == label { return slot }
        }
        throw .tokenNotFound(label: label)
    }

    /// The token's flags (`CKF_USER_PIN_LOCKED`, …).
    func tokenFlags(slot: CK_SLOT_ID) throws(TokenError) -> CK_FLAGS {
        guard let getTokenInfo = functions.pointee.C_GetTokenInfo else { throw .moduleUnusable(path: path, reason: "no C_GetTokenInfo") }
        var info = CK_TOKEN_INFO()
        try check("C_GetTokenInfo", getTokenInfo(slot, &info))
        return info.flags
    }

    /// Cryptoki pads labels with spaces to 32 bytes.
    static func paddedText<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { bytes in
            String(decoding: bytes, as: UTF8.self).trimmingCharacters(inSpacesAndNUL: ())
        }
    }
}

/// Throws `TokenError.call` unless `rv` is CKR_OK.
func check(_ function: String, _ rv: CK_RV) throws(TokenError) {
    guard rv == CKR_OK else { throw .call(function, returnValue: UInt(rv)) }
}

extension String {
    fileprivate func trimmingCharacters(inSpacesAndNUL: ()) -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last == " " || last == "\0" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
