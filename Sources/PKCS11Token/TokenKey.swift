import CPKCS11

/// A private key that lives in a token, named by its label. Signing and
/// decryption run inside the token; only the public key is read out.
public struct TokenKey: Sendable, Hashable, CustomStringConvertible {
    public let token: Token
    public let label: String
    public let publicKey: TokenPublicKey

    /// Finds the private key labelled `label` and reads its public half.
    public init(token: Token, label: String) throws(TokenError) {
        self.token = token
        self.label = label
        self.publicKey = try token.withSession { session throws(TokenError) in
            let key = try token.handle(CK_OBJECT_CLASS(CKO_PRIVATE_KEY), label: label, in: session)
            return try Self.readPublicKey(label: label, privateKey: key, session: session, token: token)
        }
    }

    public var description: String { "\(publicKey.kindName) key \"\(label)\" in \(token.configuration)" }

    /// Signs inside the token. For `.ecdsa` pass the digest, for the others the message.
    public func sign(_ data: [UInt8], mechanism: TokenMechanism) throws(TokenError) -> [UInt8] {
        try token.withSession { session throws(TokenError) in
            try session.sign(data, key: try privateHandle(session), mechanism: mechanism)
        }
    }

    /// Decrypts (unwraps a content key) inside the token.
    public func decrypt(_ data: [UInt8], mechanism: TokenMechanism) throws(TokenError) -> [UInt8] {
        try token.withSession { session throws(TokenError) in
            try session.decrypt(data, key: try privateHandle(session), mechanism: mechanism)
        }
    }

    /// Nil when the token is usable and still holds this key; else why not.
    public func problem() -> String? {
        if let problem = token.problem() { return problem }
        do throws(TokenError) {
            _ = try token.withSession { session throws(TokenError) in
                try token.handle(CK_OBJECT_CLASS(CKO_PRIVATE_KEY), label: label, in: session, cached: false)
            }
            return nil
        } catch {
            return error.description
        }
    }

    private func privateHandle(_ session: Session) throws(TokenError) -> CK_OBJECT_HANDLE {
        try token.handle(CK_OBJECT_CLASS(CKO_PRIVATE_KEY), label: label, in: session)
    }

    public static func == (lhs: TokenKey, rhs: TokenKey) -> Bool {
        lhs.token === rhs.token && lhs.label == rhs.label
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(token))
        hasher.combine(label)
    }

    static let p256Parameters: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    static let ed25519Parameters: [UInt8] = [0x06, 0x03, 0x2B, 0x65, 0x70]
    /// Some modules name the curve instead: PrintableString "edwards25519".
    static let ed25519Name: [UInt8] = [0x13, 0x0C] + Array("edwards25519".utf8)

    private static func readPublicKey(
        label: String, privateKey: CK_OBJECT_HANDLE, session: Session, token: Token
    ) throws(TokenError) -> TokenPublicKey {
        guard let keyType = try session.ulongAttribute(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), of: privateKey) else {
            throw .unsupportedKey(label: label, reason: "no CKA_KEY_TYPE")
        }
        switch keyType {
        case CK_KEY_TYPE(CKK_RSA):
            guard let modulus = try session.attribute(CK_ATTRIBUTE_TYPE(CKA_MODULUS), of: privateKey),
                let exponent = try session.attribute(CK_ATTRIBUTE_TYPE(CKA_PUBLIC_EXPONENT), of: privateKey)
            else { throw .unsupportedKey(label: label, reason: "RSA key without readable modulus") }
            guard modulus.drop(while: { $0 == 0 }).count * 8 >= 2048 else {
                throw .unsupportedKey(label: label, reason: "RSA keys must have at least 2048 bits")
            }
            return .rsa(modulus: modulus, exponent: exponent)
        case CK_KEY_TYPE(CKK_EC), CK_KEY_TYPE(CKK_EC_EDWARDS):
            // The point is an attribute of the public key object only.
            let publicKey = try token.handle(CK_OBJECT_CLASS(CKO_PUBLIC_KEY), label: label, in: session)
            guard let parameters = try session.attribute(CK_ATTRIBUTE_TYPE(CKA_EC_PARAMS), of: publicKey),
                let point = try session.attribute(CK_ATTRIBUTE_TYPE(CKA_EC_POINT), of: publicKey)
            else { throw .unsupportedKey(label: label, reason: "EC public key without parameters or point") }
            let raw = Self.unwrapOctetString(point)
            if keyType == CK_KEY_TYPE(CKK_EC), parameters == p256Parameters, raw.count == 65, raw.first == 0x04 {
                return .p256(x963: raw)
            }
            if keyType == CK_KEY_TYPE(CKK_EC_EDWARDS), parameters == ed25519Parameters || parameters == ed25519Name, raw.count == 32 {
                return .ed25519(raw)
            }
            throw .unsupportedKey(label: label, reason: "only the P-256 and Ed25519 curves are used")
        default:
            throw .unsupportedKey(label: label, reason: "key type 0x\(String(keyType, radix: 16)) is not RSA, P-256 or Ed25519")
        }
    }

    /// CKA_EC_POINT is a DER OCTET STRING in most modules, the bare point in a few.
    static func unwrapOctetString(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count > 2, bytes[0] == 0x04 else { return bytes }
        if bytes[1] < 0x80, Int(bytes[1]) == bytes.count - 2 { return Array(bytes.dropFirst(2)) }
        if bytes[1] == 0x81, bytes.count > 3, Int(bytes[2]) == bytes.count - 3 { return Array(bytes.dropFirst(3)) }
        return bytes
    }
}
