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
            let xml: Data
            if protection.signAssertions {
                // Signed where it was parsed and written out from there: no
                // second parse, and no copy (as the document element it
                // declares every namespace it uses).
                let document = try XMLDocument(parsing: Data(assertion.builder.xmlString().utf8))
                try signer.sign(document.root, inclusivePrefixes: assertion.signatureInclusivePrefixes)
                xml = try document.root.serialized()
            } else {
                xml = Data(assertion.builder.xmlString().utf8)
            }
            if let encrypter = protection.encrypter {
                r.append(try encrypter.encryptedElement(xml, wrapper: "EncryptedAssertion"))
            } else {
                r.appendRaw(String(decoding: xml, as: UTF8.self))
            }
        }
        let unsigned = r.xmlString(declaration: true)
        guard protection.signResponse else { return Data(unsigned.utf8) }
        return try signer.signedXML(
            unsigned, inclusivePrefixes: protection.encrypter == nil && assertions.contains { !$0.attributes.isEmpty } ? ["xs"] : [])
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
