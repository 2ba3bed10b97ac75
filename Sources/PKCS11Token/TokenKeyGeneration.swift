import CPKCS11

extension Token {
    /// Creates a key pair inside the token. The private key is sensitive and
    /// not extractable: it never leaves the token. Refuses a label in use.
    public func generateKey(_ type: TokenKeyType, label: String) throws(TokenError) -> TokenKey {
        try withSession { session throws(TokenError) in
            let existing = try session.findObjects(CK_OBJECT_CLASS(CKO_PRIVATE_KEY), label: label)
            guard existing.isEmpty else { throw .labelInUse(label) }
            var publicTemplate = AttributeTemplate()
            var privateTemplate = AttributeTemplate()
            let id = (0..<8).map { _ in UInt8.random(in: 0...255) }
            publicTemplate.append(CKA_TOKEN, bool: true)
            publicTemplate.append(CKA_LABEL, bytes: Array(label.utf8))
            publicTemplate.append(CKA_ID, bytes: id)
            publicTemplate.append(CKA_VERIFY, bool: true)
            privateTemplate.append(CKA_TOKEN, bool: true)
            privateTemplate.append(CKA_PRIVATE, bool: true)
            privateTemplate.append(CKA_SENSITIVE, bool: true)
            privateTemplate.append(CKA_EXTRACTABLE, bool: false)
            privateTemplate.append(CKA_LABEL, bytes: Array(label.utf8))
            privateTemplate.append(CKA_ID, bytes: id)
            privateTemplate.append(CKA_SIGN, bool: true)
            let mechanism: TokenMechanism
            switch type {
            case .rsa2048, .rsa3072:
                mechanism = .rsaKeyPairGeneration
                publicTemplate.append(CKA_MODULUS_BITS, ulong: type == .rsa2048 ? 2048 : 3072)
                publicTemplate.append(CKA_PUBLIC_EXPONENT, bytes: [0x01, 0x00, 0x01])
                publicTemplate.append(CKA_ENCRYPT, bool: true)
                privateTemplate.append(CKA_DECRYPT, bool: true)
            case .p256:
                mechanism = .ecKeyPairGeneration
                publicTemplate.append(CKA_EC_PARAMS, bytes: TokenKey.p256Parameters)
            case .ed25519:
                mechanism = .edwardsKeyPairGeneration
                publicTemplate.append(CKA_EC_PARAMS, bytes: TokenKey.ed25519Parameters)
            }
            try session.generateKeyPair(mechanism: mechanism, publicTemplate: publicTemplate, privateTemplate: privateTemplate)
        }
        return try TokenKey(token: self, label: label)
    }

    /// Labels of the private keys in the token, sorted.
    public func privateKeyLabels() throws(TokenError) -> [String] {
        try withSession { session throws(TokenError) in
            var labels: [String] = []
            for handle in try session.findObjects(CK_OBJECT_CLASS(CKO_PRIVATE_KEY), label: "") {
                if let label = try session.attribute(CK_ATTRIBUTE_TYPE(CKA_LABEL), of: handle) {
                    labels.append(String(decoding: label, as: UTF8.self))
                }
            }
            return labels.sorted()
        }
    }
}

extension Token {
    /// Removes the key pair labelled `label` (private and public objects).
    /// Only for keys nothing uses any more: what they signed stays valid, but
    /// nothing can be decrypted or signed with them again.
    public func destroyKeyPair(label: String) throws(TokenError) {
        try withSession { session throws(TokenError) in
            for objectClass in [CK_OBJECT_CLASS(CKO_PRIVATE_KEY), CK_OBJECT_CLASS(CKO_PUBLIC_KEY)] {
                for handle in try session.findObjects(objectClass, label: label) {
                    try session.destroy(handle)
                }
            }
        }
        reset()
    }
}
