import Foundation

/// A private directory under the system temporary folder, removed with `remove()`.
public struct TemporaryDirectory: Sendable {
    /// The directory's location.
    public let url: URL

    /// Creates a fresh directory whose name starts with `prefix` in `folder`, by default `TMPDIR`
    /// (`/tmp` when it is unset); `folderNote` says in a failure's message where `folder` came from.
    ///
    /// A folder that does not exist is an error naming it, never created: created here it would
    /// be private to this user (0700), which the sandbox's own uid cannot traverse.
    public init(prefix: String,
                in folder: URL = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true),
                folderNote: String = "the temporary folder is TMPDIR, default /tmp") throws(AtomicFile.WriteError) {
        let url = folder.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        guard mkdir(url.path, 0o700) == 0 else {
            throw AtomicFile.WriteError(path: url.path, reason: String(cString: strerror(errno)) + " (\(folderNote))")
        }
        self.url = url
    }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
