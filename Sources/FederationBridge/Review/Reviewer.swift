/// A privacy reviewer who has proven their password.
///
/// Only the account name is kept: it is what the reviewer audit trail names,
/// and reviewers are operator staff, not data subjects.
public struct Reviewer: Sendable, Hashable, CustomStringConvertible {
    public let username: String

    public init(username: String) {
        self.username = username
    }

    public var description: String { username }
}
