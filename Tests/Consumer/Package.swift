// swift-tools-version:6.0
// A package outside DSAC that depends on it by path, as an app would: proves that SwiftPM accepts the
// kernels' OpenMP flags from a dependency named by path (it refuses them from one named by version).
import PackageDescription

let package = Package(
    name: "consumer",
    dependencies: [.package(name: "DSAC", path: "../..")],
    targets: [.executableTarget(name: "consumer", dependencies: [.product(name: "DSAC", package: "DSAC")])]
)
