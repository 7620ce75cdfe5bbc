internal import CLibgit2
import Foundation
import RegistrySupport

/// Everything that can go wrong in GitStore, worded for the person running the registry.
public struct GitError: RegistryDiagnostic, Equatable {
    /// Which failure this is, so callers can react to the ones they expect.
    public enum Reason: Sendable, Equatable {
        /// No git repository contains the given directory.
        case notARepository
        /// The repository has no working tree.
        case bareRepository
        /// A revision does not name a commit.
        case unknownRevision
        /// A product id cannot name a folder under `Products/`.
        case invalidProductID
        /// A product folder holds something a product may not (a submodule, a nested repository, an escaping symlink).
        case invalidProductTree
        /// A product does not exist at the requested commit.
        case missingProduct
        /// A path names a folder where a file was expected.
        case notAFile
        /// Git has no user name or email to put on a commit.
        case missingIdentity
        /// HEAD does not point at a branch, so there is nothing to commit onto.
        case detachedHead
        /// The working tree of the product equals what is already committed.
        case nothingToCommit
        /// The commit message is empty.
        case emptyMessage
        /// The branch or the audit trail kept moving for as long as a registration would wait.
        case branchBusy
        /// A git lock file (`index.lock`, a ref's `.lock`) stayed in place: another git process, or a stale file.
        case locked
        /// A file could not be written while materializing a product.
        case fileSystem
        /// libgit2 reported a failure the registry did not anticipate.
        case library
    }

    /// Which failure this is.
    public let reason: Reason
    /// The sentence shown to the user.
    public let message: String
    /// How the failure maps to an exit status.
    public let category: DiagnosticCategory

    init(_ reason: Reason, _ category: DiagnosticCategory, _ message: String) {
        self.reason = reason
        self.category = category
        self.message = message
    }

    /// A lock file that stayed in place while the registry waited for it, with the step to take.
    static func referenceLocked(lockFile: String, doing action: String, afterwards: String = "") -> GitError {
        GitError(.locked, .environment,
                 "Git's lock file '\(lockFile)' stayed in place while \(action): another git process may be running; if none is, remove '\(lockFile)' and run the command again\(afterwards).")
    }

    /// A libgit2 failure, worded with libgit2's own explanation; read right after the failing call.
    static func library(_ code: Int32, while action: String) -> GitError {
        var detail = "error code \(code)"
        if let last = git_error_last(), let text = last.pointee.message {
            detail = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return GitError(.library, .environment,
                        "Git failed while \(action): \(detail); check that the repository is intact (git fsck) and readable, then try again.")
    }
}

/// Throws the libgit2 error for a non-zero return code, reading `git_error_last()` at once.
func check(_ code: Int32, _ action: @autoclosure () -> String) throws {
    if code < 0 { throw GitError.library(code, while: action()) }
}
