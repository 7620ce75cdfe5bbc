import Foundation
import RegistrySupport
import Sandbox

/// The registry tool's own version, recorded in run records and check cache keys.
public enum RegistryVersion {
    /// Bump when anything that can change a check's outcome changes.
    public static let current = "0.1.0"

    /// What `registry --version` prints: the version and the commit the binary was built from.
    public static var description: String {
        guard let commit = BuildInfo.commit else { return "registry \(current) (commit unknown: development build)" }
        return "registry \(current) (commit \(commit), committed \(BuildInfo.commitDate ?? "on an unknown date"))"
    }

    /// The running executable's path.
    private static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The running binary and the sandbox launcher beside it: the launcher holds the seccomp
    /// filter and the run's limits, so a rebuilt launcher can change a check's outcome too.
    private static var executablePaths: [String] { [executablePath, SandboxProfile.installedLauncher.path] }

    /// The version plus both binaries' sizes and modification times, so a rebuilt tool never
    /// reuses check results cached by an earlier build.
    static let buildIdentity: String = {
        ([current] + executablePaths.map { path in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(size) \(Int64(modified * 1000))"
        }).joined(separator: " ")
    }()

    /// The version plus the SHA-256 of both binaries: unlike `buildIdentity` it survives copying
    /// them between CI runners (artifacts lose modification times), so shard results made on
    /// different machines by one build can be recognised as such.
    static let buildDigest: String = {
        ([current] + executablePaths.map { path in
            "sha256:\((try? SHA256Hex.ofFile(at: URL(fileURLWithPath: path))) ?? "unreadable")"
        }).joined(separator: " ")
    }()
}
