import Foundation

/// The registry tool's own version, recorded in run records and check cache keys.
public enum RegistryVersion {
    /// Bump when anything that can change a check's outcome changes.
    public static let current = "0.1.0"

    /// The version plus the running binary's size and modification time, so a rebuilt tool never
    /// reuses check results cached by an earlier build.
    static let buildIdentity: String = {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(current) \(size) \(Int64(modified * 1000))"
    }()
}
