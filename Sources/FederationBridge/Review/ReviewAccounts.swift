import Foundation
import HummingbirdAuth
import HummingbirdBcrypt
import NIOPosix

/// The reviewer accounts from configuration: a user name and a bcrypt hash each.
///
/// Sign-in is HTTP Basic authentication. The bridge is only ever exposed
/// behind TLS, so the password travels encrypted; Basic needs no session
/// state, which keeps the read-only pages stateless across bridge instances.
///
/// Every attempt costs one bcrypt evaluation, whether or not the user name
/// exists, so response time does not tell an attacker which names are valid.
public struct ReviewAccounts: Sendable {
    /// One configured account, as it appears in the configuration file.
    public struct Account: Sendable, Codable, Equatable {
        public let username: String
        /// A bcrypt hash (`$2a$`, `$2b$` or `$2y$`), never a clear password.
        public let passwordHash: String

        public init(username: String, passwordHash: String) {
            self.username = username
            self.passwordHash = passwordHash
        }

        enum CodingKeys: String, CodingKey {
            case username
            case passwordHash
        }
    }

    /// bcrypt reads at most 72 bytes of a password; longer ones would match on
    /// their prefix alone, so they are refused rather than silently truncated.
    static let maximumPasswordBytes = 72
    /// Below this cost a stolen configuration file is cheap to brute-force.
    public static let minimumCost = 10

    private let hashes: [String: String]
    /// Verified against when the user name is unknown, so that unknown and
    /// known names cost the same time.
    private let decoyHash: String

    public init(_ accounts: [Account]) throws(ReviewConfigurationError) {
        guard !accounts.isEmpty else {
            throw ReviewConfigurationError("no reviewer account is configured; add at least one under `reviewers`")
        }
        var hashes: [String: String] = [:]
        var highestCost = Self.minimumCost
        for account in accounts {
            guard Self.isValidUsername(account.username) else {
                throw ReviewConfigurationError(
                    "reviewer user name '\(account.username)' must be 1-64 letters, digits, '.', '_' or '-'")
            }
            guard hashes[account.username] == nil else {
                throw ReviewConfigurationError("reviewer '\(account.username)' is configured twice")
            }
            guard let cost = Self.bcryptCost(account.passwordHash) else {
                throw ReviewConfigurationError(
                    "reviewer '\(account.username)' needs a bcrypt hash ($2b$NN$…, 60 characters); generate one with `htpasswd -nbBC 12 NAME PASSWORD`"
                )
            }
            guard cost >= Self.minimumCost else {
                throw ReviewConfigurationError(
                    "reviewer '\(account.username)' has bcrypt cost \(cost); use at least \(Self.minimumCost)")
            }
            highestCost = max(highestCost, cost)
            hashes[account.username] = account.passwordHash
        }
        self.hashes = hashes
        let decoySecret = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 36) }.joined()
        self.decoyHash = Bcrypt.hash(decoySecret, cost: UInt8(highestCost))
    }

    /// The user names configured, sorted; for start-up messages and tests.
    public var usernames: [String] { hashes.keys.sorted() }

    /// Checks Basic credentials; `nil` when absent, unknown or wrong.
    ///
    /// The bcrypt work runs on NIO's blocking thread pool so that it does not
    /// stall the tasks serving other requests.
    public func authenticate(_ credentials: BasicAuthentication?) async -> Reviewer? {
        guard let credentials else { return nil }
        return await authenticate(username: credentials.username, password: credentials.password)
    }

    /// Checks a user name and password; `nil` when unknown or wrong.
    public func authenticate(username: String, password: String) async -> Reviewer? {
        let knownHash = hashes[username]
        let acceptable = Self.isAcceptablePassword(password)
        let hash = hashToVerify(username: username)
        let candidate = acceptable ? password : "-"
        let matches =
            (try? await NIOThreadPool.singleton.runIfActive {
                Bcrypt.verify(candidate, hash: hash)
            }) ?? false
        guard matches, acceptable, knownHash != nil else { return nil }
        return Reviewer(username: username)
    }

    /// The hash one attempt for `username` is verified against: the account's
    /// own, or for an unknown name a decoy of the highest configured cost, so
    /// both cost one bcrypt evaluation of the same work factor.
    func hashToVerify(username: String) -> String {
        hashes[username] ?? decoyHash
    }

    /// Hashes a new reviewer password for the configuration file.
    public static func hashPassword(_ password: String, cost: Int = 12) throws(ReviewConfigurationError) -> String {
        guard isAcceptablePassword(password), !password.isEmpty else {
            throw ReviewConfigurationError("a reviewer password must be 1-\(maximumPasswordBytes) bytes of UTF-8 without NUL")
        }
        guard (minimumCost...31).contains(cost) else {
            throw ReviewConfigurationError("bcrypt cost must be between \(minimumCost) and 31")
        }
        return Bcrypt.hash(password, cost: UInt8(cost))
    }

    static func isAcceptablePassword(_ password: String) -> Bool {
        password.utf8.count <= maximumPasswordBytes && !password.utf8.contains(0)
    }

    static func isValidUsername(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
            }
    }

    /// The cost of a well-formed bcrypt hash, or `nil`.
    static func bcryptCost(_ hash: String) -> Int? {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
            bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$")
        else { return nil }
        let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        guard bytes[7...].allSatisfy({ alphabet.contains($0) }),
            let cost = Int(String(decoding: bytes[4...5], as: UTF8.self)),
            (4...31).contains(cost)
        else { return nil }
        return cost
    }
}
