import Foundation

extension XMLBuilder {
    /// `md:KeyDescriptor` with one X.509 certificate, as every metadata
    /// document we write publishes its keys (`use` is `signing` or `encryption`).
    public static func keyDescriptor(_ use: String, _ certificateDER: Data) -> XMLBuilder {
        let certificate = XMLBuilder("X509Certificate", .ds, text: certificateDER.base64EncodedString())
        let keyInfo = XMLBuilder("KeyInfo", .ds, children: [.element(XMLBuilder("X509Data", .ds, children: [.element(certificate)]))])
        return XMLBuilder("KeyDescriptor", .md, attributes: [("use", use)], children: [.element(keyInfo)])
    }
}
