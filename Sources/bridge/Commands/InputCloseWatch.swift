import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Stops the process gracefully (SIGTERM to itself, the service manager's
/// way) once standard input reaches its end. A parent that hands its child
/// one end of a pipe as input and keeps the other closes it by exiting,
/// however it exits — SIGKILL included — so the child does not outlive it.
/// A parent-death signal cannot do this for a child started from a thread
/// pool: it fires when the starting thread ends, not the process.
enum InputCloseWatch {
    static func start() {
        let watcher = Thread {
            var buffer = [UInt8](repeating: 0, count: 512)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count > 0 || (count < 0 && errno == EINTR) { continue }
                break
            }
            kill(getpid(), SIGTERM)
        }
        watcher.name = "input-close-watch"
        watcher.start()
    }
}
