import Foundation

/// A SAML 2.0 `samlp:Response`.
public struct Response: Sendable, Hashable {
    public var id: String
    public var inResponseTo: String?
    public var destination: String?
    public var issueInstant: Date
    public var issuer: String
    public var status: SAMLStatus
    public var assertions: [Assertion]

    public init(
        id: String = SAMLIdentifier.make(), inResponseTo: String?, destination: String?, issueInstant: Date = Date(),
        issuer: String, status: SAMLStatus = SAMLStatus(), assertions: [Assertion]
    ) {
        self.id = id
        self.inResponseTo = inResponseTo
        self.destination = destination
        self.issueInstant = issueInstant
        self.issuer = issuer
        self.status = status
        self.assertions = assertions
    }

    /// How the assertions go inside the Response.
    public struct Protection: Sendable {
        /// Sign each Assertion (what SPs with `WantAssertionsSigned` need).
        public var signAssertions: Bool
        /// Sign the Response itself.
        public var signResponse: Bool
        /// Encrypt each (signed) Assertion for the SP.
        public var encrypter: AssertionEncrypter?

        public init(signAssertions: Bool = true, signResponse: Bool = true, encrypter: AssertionEncrypter? = nil) {
            self.signAssertions = signAssertions
            self.signResponse = signResponse
            self.encrypter = encrypter
        }
    }

    /// The serialized Response: assertions signed and/or encrypted first,
    /// then the Response signed around them.
    ///
    /// Everything is built as libxml2 nodes and signed where it stands: a
    /// plain Assertion is signed inside the Response, an encrypted one in a
    /// document of its own that is written out once to be encrypted.
    public func signedXML(_ signer: EnvelopedSigner, protection: Protection = Protection()) throws -> Data {
        var r = XMLBuilder(
            "Response", .samlp,
            attributes: [
                ("ID", id), ("InResponseTo", inResponseTo), ("Version", "2.0"),
                ("IssueInstant", SAMLTime.string(issueInstant)), ("Destination", destination),
            ])
        r.append(issuerBuilder(issuer))
        r.append(status.builder)
        for assertion in assertions {
            if let encrypter = protection.encrypter {
                let document = try XMLDocument(building: assertion.builder)
                if protection.signAssertions {
                    try signer.sign(document.root, inclusivePrefixes: assertion.signatureInclusivePrefixes)
                }
                r.append(try encrypter.encryptedElement(try document.root.serialized(), wrapper: "EncryptedAssertion"))
            } else {
                r.append(assertion.builder)
            }
        }
        let document = try XMLDocument(building: r)
        if protection.signAssertions && protection.encrypter == nil {
            for assertion in assertions {
                guard let element = document.element(withID: assertion.id) else { throw XMLSecurityError.serializationFailed }
                try signer.sign(element, inclusivePrefixes: assertion.signatureInclusivePrefixes)
            }
        }
        if protection.signResponse {
            try signer.sign(
                document.root,
                inclusivePrefixes: protection.encrypter == nil && assertions.contains { !$0.attributes.isEmpty } ? ["xs"] : [])
        }
        return try document.serialized()
    }

    /// Reads the Response header and status. Assertions are not read here:
    /// callers verify the Response or each Assertion first (`verifiedAssertions`).
    public init(element: XMLElement) throws {
        try element.expect("Response", XMLNamespaces.samlp)
        guard element.attribute("Version") == "2.0" else { throw SAMLProtocolError.invalid("Response@Version") }
        id = try element.required("ID")
        inResponseTo = element.attribute("InResponseTo")
        destination = element.attribute("Destination")
        issueInstant = try element.requiredDate("IssueInstant")
        issuer = try element.issuerText() ?? ""
        guard let status = element.firstChild("Status", in: XMLNamespaces.samlp) else { throw SAMLProtocolError.missing("Status") }
        self.status = try SAMLStatus(element: status)
        assertions = []
    }

    /// Reads a Response for a relying party: decrypts EncryptedAssertions,
    /// and accepts each assertion only if it, or the Response around it,
    /// verifies with `verifier`. Only verified elements are read.
    public static func readVerified(
        _ document: XMLDocument, verifier: SignatureVerifier, decrypter: AssertionDecrypter? = nil
    ) throws -> Response {
        let root = document.root
        var response = try Response(element: root)
        let responseSigned = !root.children("Signature", in: XMLNamespaces.ds).isEmpty
        let verifiedRoot = responseSigned ? try verifier.verify(root) : nil
        let source = verifiedRoot ?? root
        var documents: [XMLDocument] = []
        for e in source.children("EncryptedAssertion", in: XMLNamespaces.saml) {
            guard let decrypter else { throw SAMLProtocolError.invalid("EncryptedAssertion without a decryption key") }
            documents.append(try decrypter.decrypt(e, limits: document.limits))
        }
        var elements = source.children("Assertion", in: XMLNamespaces.saml)
        elements += documents.map(\.root)
        response.assertions = try elements.map { e in
            let hasSignature = !e.children("Signature", in: XMLNamespaces.ds).isEmpty
            if hasSignature { return try Assertion(element: try verifier.verify(e)) }
            // Unsigned assertions are accepted only inside a verified Response; that
            // covers decrypted ones too, since the signature covers their ciphertext.
            guard verifiedRoot != nil else { throw SignatureError.notSigned(element: e.qualifiedName) }
            return try Assertion(element: e)
        }
        return response
    }
}
