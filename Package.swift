// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "AnalyticsRegistry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "registry", targets: ["registry"]),
        .executable(name: "registry-launcher", targets: ["registry-launcher"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibgit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // The link checker's HTTP client: libcurl lets it vet the address of every connection it opens.
        // Opened with dlopen when `registry links` runs, not linked, so no other command loads it;
        // building needs only its headers (libcurl4-openssl-dev).
        .target(name: "CCurl"),
        .target(
            name: "RegistrySupport",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"]
        ),
        .target(
            name: "ProductModel",
            dependencies: ["RegistrySupport", "Yams"],
            exclude: ["README.md"]
        ),
        .target(
            name: "GitStore",
            dependencies: ["CLibgit2", "ProductModel", "RegistrySupport"],
            exclude: ["README.md"]
        ),
        // SQLite connection settings GRDB does not expose (variadic sqlite3_db_config).
        .target(name: "CSQLiteSettings", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "RegistryIndex",
            dependencies: ["CSQLiteSettings", "ProductModel", "RegistrySupport", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["README.md"]
        ),
        // The Linux calls the launcher makes that Swift cannot import, linked in directly.
        .target(name: "CLinuxCalls"),
        .target(
            name: "SandboxLaunch",
            dependencies: ["CLinuxCalls"],
            exclude: ["README.md"]
        ),
        .target(
            name: "Sandbox",
            dependencies: ["ProductModel", "RegistrySupport", "SandboxLaunch"],
            exclude: ["README.md"]
        ),
        .target(
            name: "Policy",
            dependencies: ["ProductModel", "RegistrySupport"],
            exclude: ["README.md"]
        ),
        .target(
            name: "Reviews",
            dependencies: ["ProductModel", "RegistrySupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"]
        ),
        .target(
            name: "Catalog",
            dependencies: ["ProductModel", "RegistrySupport"],
            exclude: ["README.md"],
            // Compiled in as bytes, so the binary needs no resource bundle beside it.
            resources: [.embedInCode("Resources/en.json"), .embedInCode("Resources/es.json")]
        ),
        .target(
            name: "RegistryCore",
            dependencies: ["CCurl", "ProductModel", "RegistrySupport", "GitStore", "RegistryIndex", "Sandbox", "Policy", "Reviews", "Catalog"],
            exclude: ["README.md"]
        ),
        .target(
            name: "RegistryCommands",
            dependencies: ["RegistryCore", "Sandbox", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "registry",
            dependencies: ["RegistryCommands"]
        ),
        // Started for every product run: no Foundation and a static executable (C and Swift
        // libraries linked in), so the dynamic loader has nothing to load or relocate and it
        // starts in well under a millisecond of CPU.
        .executableTarget(
            name: "registry-launcher",
            dependencies: ["SandboxLaunch"],
            linkerSettings: [.unsafeFlags(["-static-executable"])]
        ),
        .executableTarget(
            name: "verify-benchmark",
            dependencies: ["Reviews", "ProductModel", .product(name: "Crypto", package: "swift-crypto")],
            path: "Benchmarks/reviews/Sources"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["RegistrySupport"],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "ProductModelTests", dependencies: ["ProductModel", "TestSupport"]),
        .testTarget(name: "GitStoreTests", dependencies: ["GitStore", "TestSupport"]),
        .testTarget(name: "RegistryIndexTests", dependencies: ["RegistryIndex", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "SandboxLaunch", "TestSupport"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "TestSupport"]),
        .testTarget(name: "ReviewsTests", dependencies: ["Reviews", "TestSupport"]),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Yams"]),
    ],
    swiftLanguageModes: [.v6]
)
