import Foundation

/// A metadata document as federations publish it: one `EntityDescriptor`,
/// or an `EntitiesDescriptor` aggregate, possibly nested, signed once at
/// its root.
///
/// The document's signature and `validUntil` decide for every entity in
/// it; an entity that fails on its own (its `validUntil`, an unreadable
/// certificate) is refused alone, so one bad member does not cut off the
/// rest of the federation. Entities without an SP role (identity providers
/// in the same aggregate) are skipped.
public struct FederationMetadata: Sendable {
    /// An entity of the document that was not accepted, and why.
    public struct Refusal: Sendable, Hashable {
        public var entityID: String
        public var reason: String

        public init(entityID: String, reason: String) {
            self.entityID = entityID
            self.reason = reason
        }
    }

    /// Accepted relying parties; each `validUntil` is the earliest along its path from the root.
    public var serviceProviders: [ServiceProviderMetadata]
    public var refused: [Refusal]
    /// The shortest `cacheDuration` in the document, in seconds: re-read it by then.
    public var cacheDuration: TimeInterval?

    /// Metadata aggregates are far larger than protocol messages.
    public static let limits = XMLLimits(maxBytes: 64 * 1024 * 1024, maxDepth: 64)

    /// Parses a document, checks its signature against any of the federation's
    /// keys (several during a signing key rollover) and `validUntil` at `now`.
    ///
    /// Throws when the document as a whole is unusable: unsigned when a
    /// signature is required, a bad signature, its root expired, or a single
    /// `EntityDescriptor` that is refused.
    public static func load(
        _ xml: Data, federationKeys: [SigningPublicKey], policy: SignaturePolicy = .default, now: Date = Date(),
        requireSignature: Bool = true, requireValidUntil: Bool = true, limits: XMLLimits = FederationMetadata.limits
    ) throws -> FederationMetadata {
        let document = try XMLDocument(parsing: xml, limits: limits)
        var root = document.root
        if requireSignature || !root.children("Signature", in: XMLNamespaces.ds).isEmpty {
            guard !root.children("Signature", in: XMLNamespaces.ds).isEmpty else { throw MetadataError.unsigned }
            root = try SignatureVerifier(trustedKeys: federationKeys, policy: policy).verify(root)
        }
        return try read(root, now: now, requireValidUntil: requireValidUntil)
    }

    /// Reads a document without looking at its signature: for inspecting a
    /// candidate member's metadata (`bridge partner check`), never for trust.
    public static func inspect(_ xml: Data, now: Date, requireValidUntil: Bool, limits: XMLLimits = FederationMetadata.limits) throws
        -> FederationMetadata
    {
        try read(try XMLDocument(parsing: xml, limits: limits).root, now: now, requireValidUntil: requireValidUntil)
    }

    private static func read(_ root: XMLElement, now: Date, requireValidUntil: Bool) throws -> FederationMetadata {
        var reader = Reader(now: now, requireValidUntil: requireValidUntil)
        if root.isNamed("EntityDescriptor", in: XMLNamespaces.md) {
            // A single file: its refusal is the document's.
            let provider = try reader.entity(root, inherited: nil)
            return FederationMetadata(serviceProviders: [provider], refused: [], cacheDuration: reader.cacheDuration)
        }
        try root.expect("EntitiesDescriptor", XMLNamespaces.md)
        try reader.group(root, inherited: nil)
        return FederationMetadata(serviceProviders: reader.accepted, refused: reader.refused, cacheDuration: reader.cacheDuration)
    }

    private struct Reader {
        let now: Date
        let requireValidUntil: Bool
        var accepted: [ServiceProviderMetadata] = []
        var refused: [Refusal] = []
        var cacheDuration: TimeInterval?

        mutating func note(cacheDurationOf element: XMLElement) throws {
            guard let text = element.attribute("cacheDuration") else { return }
            guard let seconds = XMLSchemaDuration.seconds(text) else {
                throw SAMLProtocolError.invalid("\(element.localName)@cacheDuration")
            }
            cacheDuration = min(cacheDuration ?? seconds, seconds)
        }

        /// An `EntitiesDescriptor`: its `validUntil` bounds everything inside.
        mutating func group(_ element: XMLElement, inherited: Date?) throws {
            try note(cacheDurationOf: element)
            var validUntil = inherited
            if let own = try element.optionalDate("validUntil") { validUntil = min(validUntil ?? own, own) }
            if let validUntil, now >= validUntil { throw MetadataError.expired(validUntil: validUntil) }
            for child in element.childElements {
                if child.isNamed("EntitiesDescriptor", in: XMLNamespaces.md) {
                    try group(child, inherited: validUntil)
                } else if child.isNamed("EntityDescriptor", in: XMLNamespaces.md) {
                    let entityID = child.attribute("entityID") ?? "(no entityID)"
                    do {
                        let provider = try entity(child, inherited: validUntil)
                        if accepted.contains(where: { $0.entityID == provider.entityID }) {
                            refused.append(Refusal(entityID: entityID, reason: "metadata refused: entityID appears twice in the aggregate"))
                        } else {
                            accepted.append(provider)
                        }
                    } catch MetadataError.notSPMetadata {
                        continue
                    } catch {
                        refused.append(Refusal(entityID: entityID, reason: "\(error)"))
                    }
                }
            }
        }

        /// One `EntityDescriptor`, bounded by its groups' `validUntil`.
        mutating func entity(_ element: XMLElement, inherited: Date?) throws -> ServiceProviderMetadata {
            try note(cacheDurationOf: element)
            var provider = try ServiceProviderMetadata(element: element)
            if let inherited { provider.validUntil = min(provider.validUntil ?? inherited, inherited) }
            if let validUntil = provider.validUntil {
                guard now < validUntil else { throw MetadataError.expired(validUntil: validUntil) }
            } else if requireValidUntil {
                throw MetadataError.noValidUntil
            }
            return provider
        }
    }
}
