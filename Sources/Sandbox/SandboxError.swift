import RegistrySupport

/// Why the sandbox cannot run a product at all (as opposed to a run that ends badly, which is a value).
public enum SandboxError: RegistryDiagnostic, Equatable {
    /// bubblewrap is not installed.
    case bubblewrapMissing(searched: [String])
    /// bubblewrap is installed but could not report its version.
    case bubblewrapUnusable(path: String, detail: String)
    /// The kernel does not let unprivileged users create user namespaces.
    case userNamespacesDisabled(setting: String, value: String, fix: String)
    /// The system call filter has no table for this machine's architecture.
    case unsupportedArchitecture
    /// The launcher executable (normally the registry binary itself) cannot be run.
    case launcherMissing(path: String)
    /// The profile asks for something the sandbox cannot do.
    case invalidProfile(String)
    /// Preparing the run's private folders failed.
    case staging(path: String, detail: String)
    /// The staging folder sits below a folder the run's own uid cannot enter.
    case workRootClosed(workRoot: String, folder: String)

    /// The sentence shown to the user.
    public var message: String {
        switch self {
        case .bubblewrapMissing(let searched):
            "bubblewrap ('bwrap') was not found in \(searched.joined(separator: ", ")); products only run inside it, so install it with 'apt-get install bubblewrap' and retry."
        case .bubblewrapUnusable(let path, let detail):
            "bubblewrap at '\(path)' did not run ('\(detail)'); reinstall it with 'apt-get install --reinstall bubblewrap' and retry."
        case .userNamespacesDisabled(let setting, let value, let fix):
            "The kernel setting '\(setting)' is '\(value)', so bubblewrap cannot create the user namespace the sandbox needs; enable it with '\(fix)' and retry."
        case .unsupportedArchitecture:
            "The sandbox's system call filter only knows x86_64 and aarch64; run the registry on one of those machines."
        case .launcherMissing(let path):
            "The sandbox launcher '\(path)' is not an executable file; install 'registry-launcher' beside the 'registry' binary (release archives ship both; from source, 'swift build' builds both)."
        case .invalidProfile(let detail):
            "The sandbox profile is invalid: \(detail)"
        case .workRootClosed(let workRoot, let folder):
            "Runs are staged in '\(workRoot)' (TMPDIR, or /dev/shm or /tmp when it is unset), but '\(folder)' is closed to other users, so the product's own uid cannot reach its files; set TMPDIR to a folder every user can traverse (such as /tmp) or run 'chmod o+x \(folder)', then retry."
        case .staging(let path, let detail):
            "Could not prepare the sandbox folder '\(path)' (\(detail)); check that the work folder is writable and has free space, then retry."
        }
    }

    /// Profile mistakes come from manifest content; everything else is the machine's set-up.
    public var category: DiagnosticCategory {
        switch self {
        case .invalidProfile: .invalidContent
        case .bubblewrapMissing, .bubblewrapUnusable, .userNamespacesDisabled, .unsupportedArchitecture, .staging,
             .workRootClosed, .launcherMissing:
            .environment
        }
    }
}
