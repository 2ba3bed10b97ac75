import CPKCS11

/// Why a token operation failed, worded for the operator who has to fix it.
public enum TokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The module file could not be loaded or is not a PKCS#11 module.
    case moduleUnusable(path: String, reason: String)
    /// No slot holds a token with this label (removed, or never initialised).
    case tokenNotFound(label: String)
    /// The token refused the PIN, or the PIN is locked.
    case loginFailed(label: String, returnValue: UInt)
    /// No private key (or more than one) carries this label.
    case keyNotFound(label: String, count: Int)
    /// `generate` refuses a label a private key already has.
    case labelInUse(String)
    /// The key's type or curve is not one the bridge uses.
    case unsupportedKey(label: String, reason: String)
    /// The token does not offer this operation for this key.
    case mechanismUnsupported(String)
    /// A Cryptoki call returned something other than CKR_OK.
    case call(String, returnValue: UInt)

    public var description: String {
        switch self {
        case .moduleUnusable(let path, let reason):
            return "PKCS#11 module \(path) unusable: \(reason)"
        case .tokenNotFound(let label):
            return "no PKCS#11 token labelled \"\(label)\" is present (removed, or not initialised)"
        case .loginFailed(let label, let rv):
            return "token \"\(label)\" refused the user PIN (\(Self.name(rv))): check the pin setting and that the PIN is not locked"
        case .keyNotFound(let label, let count):
            return count == 0
                ? "no private key labelled \"\(label)\" in the token"
                : "\(count) private keys are labelled \"\(label)\" in the token; labels must be unique"
        case .labelInUse(let label):
            return "a private key labelled \"\(label)\" already exists in the token; choose another label"
        case .unsupportedKey(let label, let reason):
            return "token key \"\(label)\" not usable: \(reason)"
        case .mechanismUnsupported(let what):
            return "the token cannot \(what)"
        case .call(let function, let rv):
            return "\(function) failed: \(Self.name(rv))"
        }
    }

    /// Whether the failure says the session, login or token is gone, so the
    /// pool must start over rather than reuse its sessions.
    var invalidatesSessions: Bool {
        guard case .call(_, let rv) = self else { return true }
        return !Self.operationScoped.contains(rv)
    }

    /// Whether the token seems gone from the module's view, so the module
    /// must look for tokens afresh.
    var meansTokenGone: Bool {
        switch self {
        case .tokenNotFound: return true
        case .loginFailed(_, let rv), .call(_, let rv): return Self.tokenGone.contains(rv)
        default: return false
        }
    }

    private static let tokenGone: Set<UInt> = [
        UInt(CKR_GENERAL_ERROR), UInt(CKR_DEVICE_ERROR), UInt(CKR_DEVICE_REMOVED), UInt(CKR_TOKEN_NOT_PRESENT),
        UInt(CKR_TOKEN_NOT_RECOGNIZED), UInt(CKR_SLOT_ID_INVALID), UInt(CKR_CRYPTOKI_NOT_INITIALIZED),
    ]

    /// Return values that concern one operation's input, not the session.
    private static let operationScoped: Set<UInt> = [
        UInt(CKR_DATA_INVALID), UInt(CKR_DATA_LEN_RANGE), UInt(CKR_ENCRYPTED_DATA_INVALID),
        UInt(CKR_ENCRYPTED_DATA_LEN_RANGE), UInt(CKR_MECHANISM_INVALID), UInt(CKR_MECHANISM_PARAM_INVALID),
        UInt(CKR_KEY_TYPE_INCONSISTENT), UInt(CKR_KEY_FUNCTION_NOT_PERMITTED), UInt(CKR_BUFFER_TOO_SMALL),
        UInt(CKR_ARGUMENTS_BAD), UInt(CKR_ATTRIBUTE_TYPE_INVALID), UInt(CKR_TEMPLATE_INCONSISTENT),
        UInt(CKR_TEMPLATE_INCOMPLETE), UInt(CKR_ATTRIBUTE_VALUE_INVALID), UInt(CKR_DOMAIN_PARAMS_INVALID),
        UInt(CKR_CURVE_NOT_SUPPORTED), UInt(CKR_KEY_SIZE_RANGE),
    ]

    /// The CKR_ constant's name for the common values, else its hex value.
    static func name(_ rv: UInt) -> String {
        let names: [UInt: String] = [
            UInt(CKR_PIN_INCORRECT): "CKR_PIN_INCORRECT", UInt(CKR_PIN_LOCKED): "CKR_PIN_LOCKED",
            UInt(CKR_PIN_EXPIRED): "CKR_PIN_EXPIRED", UInt(CKR_PIN_LEN_RANGE): "CKR_PIN_LEN_RANGE",
            UInt(CKR_USER_NOT_LOGGED_IN): "CKR_USER_NOT_LOGGED_IN", UInt(CKR_SESSION_HANDLE_INVALID): "CKR_SESSION_HANDLE_INVALID",
            UInt(CKR_SESSION_CLOSED): "CKR_SESSION_CLOSED", UInt(CKR_DEVICE_REMOVED): "CKR_DEVICE_REMOVED",
            UInt(CKR_TOKEN_NOT_PRESENT): "CKR_TOKEN_NOT_PRESENT", UInt(CKR_DEVICE_ERROR): "CKR_DEVICE_ERROR",
            UInt(CKR_GENERAL_ERROR): "CKR_GENERAL_ERROR", UInt(CKR_SLOT_ID_INVALID): "CKR_SLOT_ID_INVALID",
            UInt(CKR_KEY_HANDLE_INVALID): "CKR_KEY_HANDLE_INVALID", UInt(CKR_OBJECT_HANDLE_INVALID): "CKR_OBJECT_HANDLE_INVALID",
            UInt(CKR_MECHANISM_INVALID): "CKR_MECHANISM_INVALID", UInt(CKR_MECHANISM_PARAM_INVALID): "CKR_MECHANISM_PARAM_INVALID",
            UInt(CKR_ENCRYPTED_DATA_INVALID): "CKR_ENCRYPTED_DATA_INVALID",
            UInt(CKR_ENCRYPTED_DATA_LEN_RANGE): "CKR_ENCRYPTED_DATA_LEN_RANGE", UInt(CKR_DATA_LEN_RANGE): "CKR_DATA_LEN_RANGE",
            UInt(CKR_KEY_TYPE_INCONSISTENT): "CKR_KEY_TYPE_INCONSISTENT", UInt(CKR_TOKEN_WRITE_PROTECTED): "CKR_TOKEN_WRITE_PROTECTED",
            UInt(CKR_CRYPTOKI_NOT_INITIALIZED): "CKR_CRYPTOKI_NOT_INITIALIZED",
        ]
        return names[rv] ?? "CKR 0x" + String(rv, radix: 16)
    }
}
