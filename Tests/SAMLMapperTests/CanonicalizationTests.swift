import Foundation
import Testing

@testable import SAMLMapper

/// Byte-exact c14n against the Santuario and W3C "merlin" vectors.
@Suite struct CanonicalizationTests {
    func firstElem2(_ doc: XMLDocument) throws -> XMLElement {
        try #require(([doc.root] + doc.root.descendants).first { $0.isNamed("elem2", in: "http://example.net") })
    }

    @Test(arguments: ["example2_2_1.xml", "example2_2_2.xml"])
    func exclusiveWithComments(_ input: String) throws {
        let doc = try XMLDocument(parsing: try Fixtures.vector("c14n/santuario-inExcl/\(input)"))
        let out = try firstElem2(doc).canonicalized(.exclusive(withComments: true))
        #expect(out == (try Fixtures.vector("c14n/santuario-inExcl/example2_2_c14nized_exclusive.xml")))
    }

    @Test(arguments: [("example2_2_1.xml", "example2_2_1_c14nized.xml"), ("example2_2_2.xml", "example2_2_2_c14nized.xml")])
    func inclusiveWithComments(_ input: String, _ expected: String) throws {
        let doc = try XMLDocument(parsing: try Fixtures.vector("c14n/santuario-inExcl/\(input)"))
        let out = try firstElem2(doc).canonicalized(.inclusive(withComments: true))
        #expect(out == (try Fixtures.vector("c14n/santuario-inExcl/\(expected)")))
    }

    @Test func namespacePushdown() throws {
        let doc = try XMLDocument(parsing: try Fixtures.vector("c14n/santuario-inExcl/example2_4.xml"))
        let out = try firstElem2(doc).canonicalized(.exclusive(withComments: true))
        #expect(out == (try Fixtures.vector("c14n/santuario-inExcl/example2_4_c14nized.xml")))
    }

    @Test func soapStressCase() throws {
        let doc = try XMLDocument(parsing: try Fixtures.vector("c14n/santuario-inExcl/plain-soap-1.1.xml"))
        let body = try #require(doc.root.firstChild("Body", in: "http://schemas.xmlsoap.org/soap/envelope/"))
        let out = try body.canonicalized(.exclusive(withComments: true))
        #expect(out == (try Fixtures.vector("c14n/santuario-inExcl/plain-soap-c14nized.xml")))
    }

    /// c14n-0: plain, c14n-1: PrefixList "bar #default", c14n-2: with comments, c14n-3: both.
    @Test(arguments: [0, 1, 2, 3])
    func merlinObject(_ variant: Int) throws {
        let comments = variant >= 2
        let prefixList = variant % 2 == 1
        let expected = "c14n-\(variant).txt"
        let doc = try XMLDocument(parsing: try Fixtures.vector("c14n/merlin-exc-c14n-one/exc-signature.xml"))
        let object = try #require(doc.element(withID: "to-be-signed"))
        let out = try object.canonicalized(.exclusive(withComments: comments, inclusivePrefixes: prefixList ? ["bar", "#default"] : []))
        #expect(out == (try Fixtures.vector("c14n/merlin-exc-c14n-one/\(expected)")))
    }

    @Test func merlinSignedInfo() throws {
        let doc = try XMLDocument(parsing: try Fixtures.vector("c14n/merlin-exc-c14n-one/exc-signature.xml"))
        let signedInfo = try #require(doc.root.firstChild("Signature", in: XMLNamespaces.ds)?.firstChild("SignedInfo", in: XMLNamespaces.ds))
        let out = try signedInfo.canonicalized(.exclusive())
        #expect(out == (try Fixtures.vector("c14n/merlin-exc-c14n-one/c14n-4.txt")))
    }

    @Test func merlinDigestsMatch() throws {
        // The SHA-1 digests in the vector are over exactly these bytes.
        let c0 = try Fixtures.vector("c14n/merlin-exc-c14n-one/c14n-0.txt")
        #expect(DigestAlgorithm.sha1.digest(c0).base64EncodedString() == "7yOTjUu+9oEhShgyIIXDLjQ08aY=")
    }

    @Test func excludedSubtreeIsLeftOut() throws {
        let doc = try XMLDocument(parsing: #"<a:r xmlns:a="urn:a" xmlns:u="urn:unused" ID="x"><a:keep/><a:drop><a:inner/></a:drop></a:r>"#)
        let drop = try #require(doc.root.firstChild("drop", in: "urn:a"))
        let out = String(decoding: try doc.root.canonicalized(.exclusive(), excluding: drop), as: UTF8.self)
        #expect(out == #"<a:r xmlns:a="urn:a" ID="x"><a:keep></a:keep></a:r>"#)
    }
}
