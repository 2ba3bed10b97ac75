import CLibFuzzer
import Foundation

/// The fuzzing program: `FB_FUZZ_TARGET=xml fuzz-targets [libFuzzer options] CORPUS…`.
///
/// One program for every target, so one sanitizer build serves them all.
/// libFuzzer's own `main` is not used (SwiftPM gives an executable its
/// own entry point); this entry hands the arguments to libFuzzer's driver.
nonisolated(unsafe) private var selected = FuzzTarget.xml

@_cdecl("FuzzTargets_main")
func fuzzTargetsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let name = ProcessInfo.processInfo.environment["FB_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set FB_FUZZ_TARGET to one of: \(known)\n".utf8))
        return 2
    }
    selected = target
    FuzzTarget.prepare()
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}

/// One input for the selected target (libFuzzer's runtime also looks this symbol up).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    selected.run(Data(bytes: data, count: size))
    return 0
}
