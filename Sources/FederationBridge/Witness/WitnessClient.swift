import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PIAChecks

/// The log's side of C2SP tlog-witness for one witness: submits a signed
/// checkpoint with a consistency proof from the witness's latest size and
/// returns its cosignature lines, checked against the witness key.
///
/// Used by the bridge's background collector, and by reviewers
/// (`bridge log verify --ask-witness`) to confront a witness with the log
/// they are shown: a rolled-back or forked log gets a refusal.
public struct WitnessClient: Sendable {
    public let witness: BridgeConfiguration.Witness
    let client: HTTPClient

    public init(witness: BridgeConfiguration.Witness, client: HTTPClient = .shared) {
        self.witness = witness
        self.client = client
    }

    /// Cosignature lines for `head`. `witnessSize` is the witness's latest
    /// size when known (`nil`: ask with `old 0` and learn it from the 409).
    public func cosign(_ head: StoredTreeHead, log: TransferLog, witnessSize: inout Int?) async throws -> String {
        // At most one retry: after a 409 the witness's size is known.
        for _ in 0..<2 {
            let old = witnessSize ?? 0
            guard old <= head.size else {
                throw WitnessClientError(
                    "the witness has cosigned \(old) entries but the log's newest checkpoint has \(head.size) (rolled back?)")
            }
            var proof: [Data] = []
            if old > 0, old < head.size {
                proof = try await log.consistencyProof(old: old, new: head.size).pathHashes()
            }
            let answer = try await post(AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: head.note).body)
            switch answer.status {
            case 200:
                witnessSize = head.size
                let cosigned = try SignedNote(text: head.note).adding(cosignatureLines: answer.body)
                guard try witness.key.cosignatureTime(on: cosigned) != nil else {
                    throw WitnessClientError("the answer holds no cosignature by \(witness.key.name)")
                }
                return answer.body
            case 409 where answer.contentType.hasPrefix("text/x.tlog.size"):
                guard let size = Int(answer.body.trimmingCharacters(in: .newlines)), size >= 0, size != witnessSize else {
                    throw WitnessClientError("the witness refuses size \(head.size) (409 Conflict at its size \(answer.body.prefix(20)))")
                }
                witnessSize = size
            default:
                throw WitnessClientError("HTTP \(answer.status): \(answer.body.prefix(300))")
            }
        }
        throw WitnessClientError("the witness kept answering 409 Conflict")
    }

    private func post(_ body: String) async throws -> (status: Int, contentType: String, body: String) {
        var request = HTTPClientRequest(url: witness.url.appendingPathComponent("add-checkpoint").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 64 * 1024)
        return (Int(response.status.code), response.headers.first(name: "Content-Type") ?? "", String(buffer: bytes))
    }
}

/// Why a witness did not cosign, for logs and `/readyz`.
public struct WitnessClientError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
