// swift-tools-version: 6.2
import PackageDescription

let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let configuration = Target.Dependency.product(name: "Configuration", package: "swift-configuration")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let mustache = Target.Dependency.product(name: "Mustache", package: "swift-mustache")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")
let otel = Target.Dependency.product(name: "OTel", package: "swift-otel")

let package = Package(
    name: "kvitt",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KvittAMQP", targets: ["KvittAMQP"]),
        .library(name: "KvittContracts", targets: ["KvittContracts"]),
        .library(name: "KvittMessaging", targets: ["KvittMessaging"]),
        .library(name: "KvittTesting", targets: ["KvittTesting"]),
        .library(name: "KvittSpreadsheet", targets: ["KvittSpreadsheet"]),
        .executable(name: "invoicing", targets: ["Invoicing"]),
        .executable(name: "payment-matching", targets: ["PaymentMatching"]),
        .executable(name: "tax-reduction", targets: ["TaxReduction"]),
        .executable(name: "debt-collection", targets: ["DebtCollection"]),
        .executable(name: "delivery", targets: ["Delivery"]),
        .executable(name: "kvitt", targets: ["Kvitt"]),
        .executable(name: "kvitt-bench", targets: ["KvittBench"]),
        .executable(name: "kvitt-probe-service", targets: ["KvittProbeService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would build gRPC, minutes of compiling for a second way to say the same.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(
            name: "CXlsxWriter",
            path: "Shared/CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        .target(name: "KvittSpreadsheet", dependencies: ["CXlsxWriter"], path: "Shared/KvittSpreadsheet"),
        .target(name: "KvittContracts", path: "Shared/KvittContracts"),
        .target(name: "KvittAMQP", dependencies: ["CRabbitMQ", logging], path: "Shared/KvittAMQP"),
        .target(
            name: "KvittMessaging",
            dependencies: [
                "KvittAMQP", "KvittContracts", grdb, logging, metrics, prometheus, lifecycle, configuration,
                hummingbird, tracing, otel,
            ],
            path: "Shared/KvittMessaging"
        ),
        .target(
            name: "KvittTesting",
            dependencies: ["KvittMessaging", "KvittAMQP", "KvittContracts", grdb, hummingbird],
            path: "Shared/KvittTesting"
        ),
        .executableTarget(
            name: "Invoicing",
            dependencies: ["KvittMessaging", "KvittContracts", grdb, hummingbird, logging],
            path: "Services/Invoicing",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "PaymentMatching",
            dependencies: ["KvittMessaging", "KvittContracts", "KvittSpreadsheet", grdb, hummingbird, logging],
            path: "Services/PaymentMatching",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "TaxReduction",
            dependencies: ["KvittMessaging", "KvittContracts", grdb, hummingbird, logging],
            path: "Services/TaxReduction",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "DebtCollection",
            dependencies: ["KvittMessaging", "KvittContracts", grdb, hummingbird, logging, lifecycle],
            path: "Services/DebtCollection",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "Delivery",
            dependencies: [
                "KvittMessaging", "KvittContracts", grdb, hummingbird, logging, lifecycle, mustache, nioCore, nioPosix,
                nioSSL,
            ],
            path: "Services/Delivery",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "Kvitt",
            dependencies: ["KvittAMQP", "KvittMessaging", "KvittContracts", argumentParser, grdb],
            path: "Services/Kvitt",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "KvittBench",
            dependencies: ["KvittAMQP", "KvittMessaging", "KvittTesting", argumentParser, grdb, logging],
            path: "Tests/Bench/KvittBench"
        ),
        .executableTarget(
            name: "KvittProbeService",
            dependencies: ["KvittMessaging", "KvittTesting"],
            path: "Tests/Support/KvittProbeService"
        ),
        .testTarget(name: "KvittContractsTests", dependencies: ["KvittContracts", "KvittTesting"]),
        .testTarget(name: "KvittAMQPTests", dependencies: ["KvittAMQP", "KvittTesting"]),
        .testTarget(name: "KvittMessagingTests", dependencies: ["KvittMessaging", "KvittTesting", grdb]),
        .testTarget(name: "KvittTestingTests", dependencies: ["KvittTesting"]),
        .testTarget(name: "KvittSpreadsheetTests", dependencies: ["KvittSpreadsheet"]),
        .testTarget(name: "InvoicingTests", dependencies: ["Invoicing", "KvittTesting", grdb]),
        .testTarget(
            name: "DebtCollectionTests",
            dependencies: ["DebtCollection", "PaymentMatching", "KvittTesting", grdb]
        ),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery", "KvittTesting", grdb]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["KvittTesting", "KvittContracts", "KvittAMQP", "KvittMessaging"]
        ),
        .testTarget(
            name: "KvittCLITests",
            dependencies: [
                "Kvitt", "Invoicing", "PaymentMatching", "DebtCollection", "TaxReduction", "Delivery", "KvittTesting",
                grdb,
            ]
        ),
        .testTarget(
            name: "TaxReductionTests",
            dependencies: ["TaxReduction", "Invoicing", "PaymentMatching", "KvittTesting", grdb]
        ),
        .testTarget(
            name: "PaymentMatchingTests",
            dependencies: ["PaymentMatching", "Invoicing", "KvittSpreadsheet", "KvittTesting", grdb]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
