internal import CLibgit2
import Foundation

/// One uncommitted change in the working tree or the staging area.
public struct WorkingTreeChange: Sendable, Hashable {
    /// What happened to the file.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A new file recorded in the staging area.
        case added
        /// Content or mode changed.
        case modified
        /// The file was removed.
        case deleted
        /// The file was renamed.
        case renamed
        /// A file became a symlink or the reverse.
        case typeChanged
        /// A file git does not track yet.
        case untracked
    }

    /// The repository-relative path, with `/` separators.
    public let path: String
    /// What happened to it.
    public let kind: Kind
    /// True for a change recorded in the staging area, false for one only in the working tree.
    public let staged: Bool

    /// Describes one change; GitStore builds these from `git status` information.
    public init(path: String, kind: Kind, staged: Bool) {
        self.path = path
        self.kind = kind
        self.staged = staged
    }
}

extension GitRepository {
    /// The uncommitted changes under a repository-relative folder (or the whole repository for ""),
    /// staged and unstaged, including untracked files but not ignored ones, sorted by path.
    public func workingTreeChanges(under path: String) throws -> [WorkingTreeChange] {
        try workingTreeChanges(under: path.isEmpty ? [] : [path])
    }

    /// Files that differ from HEAD under any of `paths` (everywhere when empty), as `workingTreeChanges(under:)`.
    public func workingTreeChanges(under paths: [String]) throws -> [WorkingTreeChange] {
        var options = git_status_options()
        try check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "preparing to read the status")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
        let list = try withStringArray(paths) { array in
            options.pathspec = array
            return try make("reading the status of '\(paths.joined(separator: "', '"))'", free: git_status_list_free) {
                git_status_list_new(&$0, pointer, &options)
            }
        }
        var changes: [WorkingTreeChange] = []
        for index in 0..<git_status_list_entrycount(list.pointer) {
            guard let entry = git_status_byindex(list.pointer, index) else { continue }
            let status = entry.pointee.status.rawValue
            if let delta = entry.pointee.head_to_index, let kind = stagedKind(status) {
                changes.append(WorkingTreeChange(path: changedPath(delta), kind: kind, staged: true))
            }
            if let delta = entry.pointee.index_to_workdir, let kind = unstagedKind(status) {
                changes.append(WorkingTreeChange(path: changedPath(delta), kind: kind, staged: false))
            }
        }
        return changes.sorted { bytewiseLess($0.path, $1.path) || ($0.path == $1.path && $0.staged && !$1.staged) }
    }

    private func changedPath(_ delta: UnsafeMutablePointer<git_diff_delta>) -> String {
        let file = delta.pointee.new_file.path ?? delta.pointee.old_file.path
        return file.map { String(cString: $0) } ?? ""
    }

    private func stagedKind(_ status: UInt32) -> WorkingTreeChange.Kind? {
        if status & GIT_STATUS_INDEX_NEW.rawValue != 0 { return .added }
        if status & GIT_STATUS_INDEX_MODIFIED.rawValue != 0 { return .modified }
        if status & GIT_STATUS_INDEX_DELETED.rawValue != 0 { return .deleted }
        if status & GIT_STATUS_INDEX_RENAMED.rawValue != 0 { return .renamed }
        if status & GIT_STATUS_INDEX_TYPECHANGE.rawValue != 0 { return .typeChanged }
        return nil
    }

    private func unstagedKind(_ status: UInt32) -> WorkingTreeChange.Kind? {
        if status & GIT_STATUS_WT_NEW.rawValue != 0 { return .untracked }
        if status & GIT_STATUS_WT_MODIFIED.rawValue != 0 { return .modified }
        if status & GIT_STATUS_WT_DELETED.rawValue != 0 { return .deleted }
        if status & GIT_STATUS_WT_RENAMED.rawValue != 0 { return .renamed }
        if status & GIT_STATUS_WT_TYPECHANGE.rawValue != 0 { return .typeChanged }
        return nil
    }
}
