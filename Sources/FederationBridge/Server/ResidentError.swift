import Hummingbird

/// An error a resident route throws to show the localized error page.
///
/// `kind` picks the "what happened / what to do" texts; `reference` is the
/// flow ID when there is one. Nothing personal goes in here.
public struct ResidentError: Error, Sendable, CustomStringConvertible {
    public var kind: ResidentErrorKind
    public var status: HTTPResponse.Status
    public var reference: String?

    public init(_ kind: ResidentErrorKind, status: HTTPResponse.Status = .badRequest, reference: String? = nil) {
        self.kind = kind
        self.status = status
        self.reference = reference
    }

    public var description: String { "\(kind.rawValue) (\(status.code))" }
}
