import Foundation

/// Writing a whole buffer through a file descriptor, which the registry does wherever thousands of
/// files make Foundation's `Data.write` too slow or a temporary name and rename must be controlled.
public enum FileWrite {
    /// Writes every byte of `buffer` to `descriptor`, retrying interrupted and partial writes.
    /// Returns 0, or the `errno` of the write that failed (`EIO` for a write that wrote nothing).
    public static func all(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32 {
        guard let base = buffer.baseAddress else { return 0 }
        var offset = 0
        while offset < buffer.count {
            let count = Foundation.write(descriptor, base + offset, buffer.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if count == 0 { return EIO }
            offset += count
        }
        return 0
    }
}
