import ArgumentParser
import Foundation
import PKCS11Token

/// Which PKCS#11 token to use on the command line. The PIN is never an
/// argument (it would show in the process list): it comes from the
/// environment variable `--pin-env` names.
struct TokenOptions: ParsableArguments {
    @Option(help: "PKCS#11 module library (default: $FB_PKCS11_MODULE).")
    var module: String?

    @Option(help: "Token label (default: $FB_PKCS11_TOKEN).")
    var token: String?

    @Option(name: .customLong("pin-env"), help: "Environment variable holding the user PIN.")
    var pinEnvironment: String = "FB_PKCS11_PIN"

    func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TokenConfiguration {
        guard let module = module ?? environment["FB_PKCS11_MODULE"], !module.isEmpty else {
            throw ValidationError("give --module or set FB_PKCS11_MODULE (e.g. /usr/lib/softhsm/libsofthsm2.so)")
        }
        guard let token = token ?? environment["FB_PKCS11_TOKEN"], !token.isEmpty else {
            throw ValidationError("give --token or set FB_PKCS11_TOKEN")
        }
        guard let pin = environment[pinEnvironment], !pin.isEmpty else {
            throw ValidationError("set the user PIN in $\(pinEnvironment)")
        }
        return TokenConfiguration(modulePath: module, tokenLabel: token, pin: pin)
    }
}
