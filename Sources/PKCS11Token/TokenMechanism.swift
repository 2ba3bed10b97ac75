import CPKCS11

/// The Cryptoki mechanisms the bridge uses, with their parameters.
public enum TokenMechanism: Sendable, Hashable {
    public enum Hash: Sendable, Hashable {
        case sha1, sha256, sha384, sha512
    }

    /// RSASSA-PKCS1-v1_5 with the token hashing the input.
    case rsaPKCS1(Hash)
    /// RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash.
    case rsaPSS(Hash)
    /// ECDSA over a digest the caller computed; the signature is raw r‖s.
    case ecdsa
    /// Ed25519 (pure EdDSA) over the message.
    case eddsa
    /// RSAES-OAEP with MGF1 of the same hash and no label.
    case rsaOAEP(Hash)
    /// RSAES-PKCS1-v1_5 decryption.
    case rsaPKCS1Encryption
    case rsaKeyPairGeneration
    case ecKeyPairGeneration
    case edwardsKeyPairGeneration

    var type: CK_MECHANISM_TYPE {
        switch self {
        case .rsaPKCS1(.sha1): CK_MECHANISM_TYPE(CKM_SHA1_RSA_PKCS)
        case .rsaPKCS1(.sha256): CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS)
        case .rsaPKCS1(.sha384): CK_MECHANISM_TYPE(CKM_SHA384_RSA_PKCS)
        case .rsaPKCS1(.sha512): CK_MECHANISM_TYPE(CKM_SHA512_RSA_PKCS)
        case .rsaPSS(.sha1): CK_MECHANISM_TYPE(CKM_SHA1_RSA_PKCS_PSS)
        case .rsaPSS(.sha256): CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS_PSS)
        case .rsaPSS(.sha384): CK_MECHANISM_TYPE(CKM_SHA384_RSA_PKCS_PSS)
        case .rsaPSS(.sha512): CK_MECHANISM_TYPE(CKM_SHA512_RSA_PKCS_PSS)
        case .ecdsa: CK_MECHANISM_TYPE(CKM_ECDSA)
        case .eddsa: CK_MECHANISM_TYPE(CKM_EDDSA)
        case .rsaOAEP: CK_MECHANISM_TYPE(CKM_RSA_PKCS_OAEP)
        case .rsaPKCS1Encryption: CK_MECHANISM_TYPE(CKM_RSA_PKCS)
        case .rsaKeyPairGeneration: CK_MECHANISM_TYPE(CKM_RSA_PKCS_KEY_PAIR_GEN)
        case .ecKeyPairGeneration: CK_MECHANISM_TYPE(CKM_EC_KEY_PAIR_GEN)
        case .edwardsKeyPairGeneration: CK_MECHANISM_TYPE(CKM_EC_EDWARDS_KEY_PAIR_GEN)
        }
    }

    func withMechanism<T>(_ body: (UnsafeMutablePointer<CK_MECHANISM>) throws(TokenError) -> T) throws(TokenError) -> T {
        switch self {
        case .rsaPSS(let hash):
            var parameters = CK_RSA_PKCS_PSS_PARAMS(hashAlg: hash.mechanism, mgf: hash.mgf, sLen: hash.length)
            return try withParameters(&parameters, body)
        case .rsaOAEP(let hash):
            var parameters = CK_RSA_PKCS_OAEP_PARAMS(
                hashAlg: hash.mechanism, mgf: hash.mgf, source: CK_RSA_PKCS_OAEP_SOURCE_TYPE(CKZ_DATA_SPECIFIED),
                pSourceData: nil, ulSourceDataLen: 0)
            return try withParameters(&parameters, body)
        default:
            var mechanism = CK_MECHANISM(mechanism: type, pParameter: nil, ulParameterLen: 0)
            return try body(&mechanism)
        }
    }

    private func withParameters<P, T>(
        _ parameters: inout P, _ body: (UnsafeMutablePointer<CK_MECHANISM>) throws(TokenError) -> T
    ) throws(TokenError) -> T {
        let size = CK_ULONG(MemoryLayout<P>.size)
        let mechanismType = type
        let outcome: Result<T, TokenError> = withUnsafeMutablePointer(to: &parameters) { pointer in
            var mechanism = CK_MECHANISM(mechanism: mechanismType, pParameter: UnsafeMutableRawPointer(pointer), ulParameterLen: size)
            do throws(TokenError) {
                return .success(try body(&mechanism))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }
}

extension TokenMechanism.Hash {
    var mechanism: CK_MECHANISM_TYPE {
        switch self {
        case .sha1: CK_MECHANISM_TYPE(CKM_SHA_1)
        case .sha256: CK_MECHANISM_TYPE(CKM_SHA256)
        case .sha384: CK_MECHANISM_TYPE(CKM_SHA384)
        case .sha512: CK_MECHANISM_TYPE(CKM_SHA512)
        }
    }

    var mgf: CK_RSA_PKCS_MGF_TYPE {
        switch self {
        case .sha1: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA1)
        case .sha256: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA256)
        case .sha384: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA384)
        case .sha512: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA512)
        }
    }

    var length: CK_ULONG {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }
}
