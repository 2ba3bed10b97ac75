/// The public half of a token key, as the token reports it, in the raw forms
/// swift-crypto reads.
public enum TokenPublicKey: Sendable, Hashable {
    /// Big-endian modulus and public exponent.
    case rsa(modulus: [UInt8], exponent: [UInt8])
    /// Uncompressed point 04‖x‖y.
    case p256(x963: [UInt8])
    /// The 32-byte public key.
    case ed25519([UInt8])

    /// RSA-2048, P-256, …
    public var kindName: String {
        switch self {
        case .rsa(let modulus, _): "RSA-\(modulus.drop(while: { $0 == 0 }).count * 8)"
        case .p256: "P-256"
        case .ed25519: "Ed25519"
        }
    }
}

/// Key types `bridge keys generate --pkcs11` creates.
public enum TokenKeyType: String, Sendable, Hashable, CaseIterable {
    case rsa2048, rsa3072, p256, ed25519
}
