import Foundation

extension SandboxFederation {
    /// Runs the sandbox iAM Smart and relying party in `group`, waits until
    /// both listen, and publishes the relying party's metadata where the
    /// bridge reads it: what every test and benchmark does before a bridge starts.
    public func startPeers(
        _ iamSmart: IAMSmartSandbox, _ relyingParty: GuangdongRelyingParty, in group: inout ThrowingTaskGroup<Void, any Error>
    ) async throws -> (iamSmartURL: String, relyingPartyURL: String) {
        group.addTask { try await iamSmart.run() }
        group.addTask { try await relyingParty.run() }
        let iamSmartURL = try await iamSmart.baseURL().absoluteString
        let relyingPartyURL = try await relyingParty.baseURL()
        try writeRelyingPartyMetadata(relyingParty, baseURL: relyingPartyURL)
        return (iamSmartURL, relyingPartyURL)
    }
}
