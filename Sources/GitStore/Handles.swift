internal import CLibgit2
import Foundation

/// Initializes libgit2 once per process and shuts it down at exit, keeping the two calls paired.
///
/// Writes into `.git` are synced to disk (libgit2 does not by default, unlike git): a register's
/// commit, its audit entry and the moved branch must not point at objects a power loss took back.
/// Objects are not re-hashed on every read, as git log's walk does not (see the shim): ids are
/// checked when objects enter the repository, and `git fsck` checks them at rest.
let libgit2Runtime: Void = {
    git_libgit2_init()
    _ = registry_git_enable_fsync()
    _ = registry_git_disable_read_hash_verification()
    atexit { git_libgit2_shutdown() }
}()

/// Owns one libgit2 handle and frees it when the last Swift reference goes away.
///
/// Never Sendable: libgit2 objects belong to the repository and the task that opened them.
final class Owned<Pointer> {
    let pointer: Pointer
    private let release: (Pointer) -> Void

    init(_ pointer: Pointer, release: @escaping (Pointer) -> Void) {
        self.pointer = pointer
        self.release = release
    }

    deinit { release(pointer) }
}

/// Runs a libgit2 call that returns a new handle through an out-parameter, and boxes the handle.
func make(_ action: @autoclosure () -> String, free: @escaping (OpaquePointer) -> Void,
          _ call: (inout OpaquePointer?) -> Int32) throws -> Owned<OpaquePointer> {
    var pointer: OpaquePointer?
    let code = call(&pointer)
    try check(code, action())
    guard let pointer else { throw GitError.library(code, while: action()) }
    return Owned(pointer, release: free)
}

/// Copies a C string array for libgit2 calls that take a `git_strarray`, freeing it afterwards.
func withStringArray<Result>(_ strings: [String], _ body: (inout git_strarray) throws -> Result) rethrows -> Result {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
