import Foundation

/// Sends a browser's requests for the bridge's base URL to one of several
/// instances, as a load balancer in front of them would: every request of a
/// resident to one instance, or (without affinity) each request to the next.
public enum InstanceRouting {
    /// - Parameters:
    ///   - pinned: the instance for every request, or `nil` for round robin.
    ///   - start: where round robin starts, so residents do not all begin on one instance.
    public static func route(baseURL: String, instances: [String], pinned: Int?, start: Int = 0) -> @Sendable (URL) -> URL {
        guard !instances.isEmpty else { return { $0 } }
        let turn = Turn(start)
        return { url in
            let text = url.absoluteString
            // The base URL itself, not a look-alike with a longer port or host.
            guard text.hasPrefix(baseURL), text.dropFirst(baseURL.count).first.map({ "/?#".contains($0) }) ?? true else { return url }
            let target = instances[(pinned ?? turn.next()) % instances.count]
            return URL(string: target + text.dropFirst(baseURL.count)) ?? url
        }
    }

    /// The round-robin counter of one browser.
    private final class Turn: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int

        init(_ start: Int) { value = start }

        func next() -> Int {
            lock.withLock {
                value += 1
                return value
            }
        }
    }
}
