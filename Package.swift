// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Debian's libomp-dev keeps omp.h and libomp.so under a versioned LLVM folder; find them instead of pinning a
/// version. Without them the kernels build single-threaded (every pragma is guarded by `_OPENMP`).
let openMP: (cFlags: [String], linkerFlags: [String]) = {
    let fm = FileManager.default
    for llvm in ((try? fm.contentsOfDirectory(atPath: "/usr/lib")) ?? []).filter({ $0.hasPrefix("llvm-") }).sorted().reversed() {
        let clangDir = "/usr/lib/\(llvm)/lib/clang"
        for version in ((try? fm.contentsOfDirectory(atPath: clangDir)) ?? []).sorted().reversed() {
            let include = "\(clangDir)/\(version)/include"
            if fm.fileExists(atPath: "\(include)/omp.h"), fm.fileExists(atPath: "/usr/lib/\(llvm)/lib/libomp.so") {
                return (["-fopenmp", "-isystem", include], ["-L/usr/lib/\(llvm)/lib", "-lomp"])
            }
        }
    }
    return ([], [])
}()

let package = Package(
    name: "DSAC",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "DSAC", targets: ["DSAC"]),
        .library(name: "DSACData", targets: ["DSACData"]),
        .library(name: "DSACTraining", targets: ["DSACTraining"]),
        .executable(name: "dsac", targets: ["DSACCLI"]),
        .executable(name: "dsac-bench", targets: ["DSACBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CEigen", path: "CKernels/CEigen", pkgConfig: "eigen3",
                       providers: [.apt(["libeigen3-dev"])]),
        .target(
            name: "CKernels",
            dependencies: ["CEigen"],
            path: "CKernels",
            exclude: ["CEigen"],
            sources: ["src"],
            publicHeadersPath: "include",
            cxxSettings: [
                .headerSearchPath("src"),
                .unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=fast"] + openMP.cFlags),
            ],
            linkerSettings: [.unsafeFlags(openMP.linkerFlags)]
        ),
        .target(name: "DSAC", dependencies: ["CKernels"]),
        .systemLibrary(name: "CStbImage", path: "Sources/CStbImage", pkgConfig: "stb",
                       providers: [.apt(["libstb-dev"])]),
        .systemLibrary(name: "CLibPNG", path: "Sources/CLibPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .target(name: "DSACData", dependencies: ["DSAC", "CKernels", "CStbImage", "CLibPNG", "CTurboJPEG"]),
        .target(name: "DSACTraining", dependencies: ["DSAC", "DSACData", "CKernels"],
                resources: [.copy("Resources/encoder.dsacmodel")]),
        .executableTarget(
            name: "DSACCLI",
            dependencies: ["DSAC", "DSACData", "DSACTraining", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "DSACBench",
            dependencies: ["DSAC", "DSACData", "DSACTraining", "CKernels", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/dsac-bench"
        ),
        // The Swift file readers' fuzzer (Tests/Fuzz/run.sh builds it with ASan).
        .executableTarget(name: "dsac-fuzz", dependencies: ["DSAC", "DSACData", "DSACTraining"], path: "Tests/Fuzz/dsac-fuzz"),
        .target(name: "DSACTestSupport", dependencies: ["DSAC"], path: "Tests/DSACTestSupport"),
        .testTarget(name: "DSACTests", dependencies: ["DSAC", "CKernels", "DSACTestSupport"]),
        .testTarget(name: "DSACDataTests", dependencies: ["DSACData", "DSAC"]),
        .testTarget(name: "DSACTrainingTests", dependencies: ["DSACTraining", "DSACData", "DSAC", "CKernels"]),
    ],
    cxxLanguageStandard: .cxx17
)
