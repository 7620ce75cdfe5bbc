import Foundation
import RegistrySupport

/// Why the index could not be opened or used.
public enum IndexError: RegistryDiagnostic {
    /// The file exists but is not a usable SQLite database, or a page of it is damaged.
    case corrupt(path: String, detail: String)
    /// The database could not be opened or written for another reason.
    case unavailable(path: String, detail: String)
    /// Another process updated the index while this one was computing its update; recompute.
    case concurrentUpdate

    public var message: String {
        switch self {
        case let .corrupt(path, detail):
            "The index '\(path)' is damaged (\(detail)); run 'registry index --rebuild' to move it aside and rebuild it from git (the run history it held cannot be rebuilt and stays in the moved file)."
        case let .unavailable(path, detail):
            "The index '\(path)' cannot be used (\(detail)); check the folder's permissions and free space, or delete the file to rebuild it with 'registry index --rebuild'."
        case .concurrentUpdate:
            "Another registry process kept updating the index at the same time; run the command again."
        }
    }

    public var category: DiagnosticCategory { .environment }
}
