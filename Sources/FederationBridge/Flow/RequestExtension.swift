import Foundation
import SAMLMapper

/// The bridge's AuthnRequest extension: the purpose the relying party asks
/// for and, for "usable but not visible", the values it wants checked.
///
/// ```xml
/// <samlp:Extensions>
///   <fb:Request xmlns:fb="urn:federation-bridge:request">
///     <fb:Purpose>gd-realname-account</fb:Purpose>
///     <fb:ClaimedName>CHAN, Tai Man</fb:ClaimedName>
///     <fb:ClaimedBirthDate>1980-01-01</fb:ClaimedBirthDate>
///   </fb:Request>
/// </samlp:Extensions>
/// ```
/// Other extension elements are ignored.
struct RequestExtension: Sendable {
    static let namespace = "urn:federation-bridge:request"

    var purposeID: String?
    var claims = ClaimedValues()

    init(_ extensions: [Data]) throws {
        for xml in extensions {
            let document = try XMLDocument(parsing: xml, limits: XMLLimits(maxBytes: 16 * 1024, maxDepth: 8))
            let root = document.root
            guard root.isNamed("Request", in: Self.namespace) else { continue }
            purposeID = try root.firstChild("Purpose", in: Self.namespace)?.trimmedText()
            claims.name = try root.firstChild("ClaimedName", in: Self.namespace)?.trimmedText()
            claims.birthDate = try root.firstChild("ClaimedBirthDate", in: Self.namespace)?.trimmedText()
        }
    }
}
