/// The registry tool's own version, recorded in run records and check cache keys.
public enum RegistryVersion {
    /// Bump when anything that can change a check's outcome changes.
    public static let current = "0.1.0"
}
