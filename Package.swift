// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Conveyor",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "conveyor", targets: ["conveyor"]),
        .library(name: "ConveyorCore", targets: ["ConveyorCore"]),
        .library(name: "ConveyorSQLite", targets: ["ConveyorSQLite"]),
        .library(name: "ConveyorPostgres", targets: ["ConveyorPostgres"]),
        .library(name: "ConveyorServer", targets: ["ConveyorServer"]),
        .library(name: "ConveyorClient", targets: ["ConveyorClient"]),
        .library(name: "ConveyorHTTPJob", targets: ["ConveyorHTTPJob"]),
        .library(name: "ConveyorWebhooks", targets: ["ConveyorWebhooks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.0"),
        // 4.x as well: jwt-kit 5.7+ and the rest of the graph already resolve swift-crypto 4.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
    ],
    targets: [
        // Domain, state machine, store protocol and engine. No HTTP, no SQL.
        .target(
            name: "ConveyorCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // SHA-256 for the deterministic ids of scheduled jobs.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The SQLite store (GRDB).
        .target(
            name: "ConveyorSQLite",
            dependencies: [
                "ConveyorCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The PostgreSQL store, notifier and leader election (postgres-nio), for many nodes.
        .target(
            name: "ConveyorPostgres",
            dependencies: [
                "ConveyorCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The built-in `http` job type (Cloud Tasks semantics).
        .target(
            name: "ConveyorHTTPJob",
            dependencies: [
                "ConveyorCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Outbound webhooks: signing (Standard Webhooks) and the sender (async-http-client).
        .target(
            name: "ConveyorWebhooks",
            dependencies: [
                "ConveyorCore", "ConveyorHTTPJob",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The REST API, health and metrics (Hummingbird 2).
        .target(
            name: "ConveyorServer",
            dependencies: [
                "ConveyorCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedOpenAPI"]
        ),
        // Compiles openapi/conveyor.json into ConveyorServer (GET /openapi.json), so the
        // repository keeps one copy of the contract and a lone binary still serves it.
        .plugin(name: "EmbedOpenAPI", capability: .buildTool(), dependencies: ["openapi-embed"]),
        .executableTarget(name: "openapi-embed"),
        // A typed Swift client over the same DTOs the server uses.
        .target(
            name: "ConveyorClient",
            dependencies: [
                "ConveyorCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(
            name: "conveyor",
            dependencies: [
                "ConveyorCore", "ConveyorSQLite", "ConveyorPostgres", "ConveyorServer", "ConveyorClient", "ConveyorHTTPJob",
                "ConveyorWebhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Examples/ builds with the package so it never rots.
        .executableTarget(
            name: "conveyor-example",
            dependencies: [
                "ConveyorCore", "ConveyorSQLite", "ConveyorServer", "ConveyorHTTPJob",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Examples/EmbeddedServer"
        ),
        .testTarget(
            name: "ConveyorTests",
            dependencies: [
                "ConveyorCore", "ConveyorSQLite", "ConveyorPostgres", "ConveyorServer", "ConveyorClient", "ConveyorHTTPJob",
                "ConveyorWebhooks",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
