// swift-tools-version:6.0
import Foundation
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "FederationBridge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bridge", targets: ["bridge"]),
        .library(name: "SAMLMapper", targets: ["SAMLMapper"]),
        .library(name: "PIAChecks", targets: ["PIAChecks"]),
        .library(name: "IAMSmart", targets: ["IAMSmart"]),
        .library(name: "FederationBridge", targets: ["FederationBridge"]),
        .library(name: "PKCS11Token", targets: ["PKCS11Token"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CPKCS11",
            providers: [.apt(["libp11-kit-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "PKCS11Token",
            dependencies: ["CPKCS11"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SAMLMapper",
            dependencies: [
                "PKCS11Token",
                "CLibXML2",
                "CZlib",
                "CLibCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PIAChecks",
            dependencies: [
                "PKCS11Token",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "IAMSmart",
            dependencies: [
                "PKCS11Token",
                "CLibCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FederationBridge",
            dependencies: [
                "SAMLMapper",
                "PKCS11Token",
                "PIAChecks",
                "IAMSmart",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Sandbox",
            dependencies: [
                "SAMLMapper",
                "PKCS11Token",
                "IAMSmart",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "bridge",
            dependencies: [
                "FederationBridge",
                "Sandbox",
                "SAMLMapper",
                "PKCS11Token",
                "PIAChecks",
                "IAMSmart",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test keys in the SoftHSM2 token, shared by the test targets that use one.
        .target(
            name: "TokenTestSupport",
            dependencies: ["PKCS11Token"],
            path: "Tests/TokenTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SAMLMapperTests",
            dependencies: ["SAMLMapper", "PKCS11Token", "TokenTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PIAChecksTests",
            dependencies: ["PIAChecks", "PKCS11Token", "TokenTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IAMSmartTests",
            dependencies: ["IAMSmart", "Sandbox", "PKCS11Token", "TokenTestSupport", .product(name: "_CryptoExtras", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FederationBridgeTests",
            dependencies: [
                "FederationBridge", "Sandbox", "SAMLMapper", "PIAChecks", "IAMSmart", "PKCS11Token",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// Fuzzing (scripts/fuzz.sh): libFuzzer targets for the parsers the outside
// world reaches. Only declared when FB_FUZZ is set, because they build only
// with -sanitize=fuzzer,address, into a scratch path of their own.
if ProcessInfo.processInfo.environment["FB_FUZZ"] != nil {
    package.products.append(.executable(name: "fuzz-targets", targets: ["FuzzTargets"]))
    package.targets += [
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .executableTarget(
            name: "FuzzTargets",
            dependencies: [
                "CLibFuzzer", "SAMLMapper", "IAMSmart", "PIAChecks",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Fuzz/Targets",
            swiftSettings: swiftSettings
        ),
    ]
}
