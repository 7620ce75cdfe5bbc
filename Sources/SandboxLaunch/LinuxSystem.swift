internal import CLinuxCalls
import Glibc

/// Thin wrappers over the Linux calls the sandbox needs that Swift cannot import directly.
package enum LinuxSystem {
    /// `prctl(2)`, which is variadic in C and therefore not imported.
    package static func prctl(_ option: Int32, _ argument: UInt) -> Int32 {
        registry_prctl(option, argument)
    }

    /// `pipe2(2)`, a GNU extension Swift's Glibc module does not import.
    ///
    /// The flags must apply atomically: another thread spawning a process between `pipe` and
    /// `fcntl` would otherwise inherit our write end and hold the pipe open.
    private static func pipe2(_ ends: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32 {
        registry_pipe2(ends, flags)
    }

    /// `pidfd_open(2)`: a descriptor (close-on-exec) that turns readable when `pid` ends; nil before Linux 5.3.
    package static func exitDescriptor(of pid: pid_t) -> Int32? {
        let descriptor = registry_pidfd_open(pid)
        return descriptor >= 0 ? descriptor : nil
    }

    /// Blocks until one of `descriptors` can be read (or has reached its end), or `timeout` has passed.
    package static func waitUntilReadable(_ descriptors: [Int32], timeout: Duration) {
        var entries = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        _ = poll(&entries, nfds_t(entries.count), Int32(clamping: max(milliseconds, 1)))
    }

    /// Moves this process into a mount namespace of its own, whose mounts never propagate back to
    /// the host, and bind-mounts `source` at `target` there; needs root.
    ///
    /// The namespace lives as long as a process in it (bubblewrap and the product), so the mount
    /// cannot outlive the run however it ends, and nothing outside the run ever sees it.
    package static func bindInPrivateMountNamespace(_ source: String, at target: String) throws(SandboxSetupFailure) {
        let newMountNamespace: Int32 = 0x0002_0000                    // CLONE_NEWNS
        let bind: UInt = 0x1000, recursive: UInt = 0x4000, slave: UInt = 0x8_0000  // MS_BIND, MS_REC, MS_SLAVE
        guard registry_unshare(newMountNamespace) == 0 else { throw SandboxSetupFailure("unshare(CLONE_NEWNS): \(lastError)") }
        guard registry_mount(nil, "/", recursive | slave) == 0 else {
            throw SandboxSetupFailure("making the run's mounts private: \(lastError)")
        }
        guard registry_mount(source, target, bind | recursive) == 0 else {
            throw SandboxSetupFailure("bind \(source) at \(target): \(lastError)")
        }
    }

    package static let setParentDeathSignal: Int32 = 1  // PR_SET_PDEATHSIG
    package static let setChildSubreaper: Int32 = 36    // PR_SET_CHILD_SUBREAPER
    package static let setNoNewPrivileges: Int32 = 38   // PR_SET_NO_NEW_PRIVS
    package static let getNoNewPrivileges: Int32 = 39   // PR_GET_NO_NEW_PRIVS

    /// The description of the current `errno`.
    package static var lastError: String { String(cString: strerror(errno)) }

    /// The numbers of every open descriptor of this process.
    package static func openDescriptors() -> [Int32] {
        numberedEntries(of: "/proc/self/fd", skippingOwnDescriptor: true)
    }

    /// The pids of every process on the host, zombies included.
    package static func processIDs() -> [pid_t] {
        numberedEntries(of: "/proc", skippingOwnDescriptor: false)
    }

    /// The entries of a `/proc` folder whose names are numbers; `skippingOwnDescriptor` leaves out
    /// the descriptor used to read the folder, which `/proc/self/fd` lists too.
    private static func numberedEntries(of path: String, skippingOwnDescriptor: Bool) -> [Int32] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        let own = skippingOwnDescriptor ? dirfd(directory) : -1
        var found: [Int32] = []
        while let entry = readdir(directory) {
            let number = withUnsafeBytes(of: entry.pointee.d_name) { name -> Int32? in
                var value: Int32 = 0
                for byte in name.prefix(while: { $0 != 0 }) {
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value &* 10 &+ Int32(byte - UInt8(ascii: "0"))
                }
                return name.first == 0 ? nil : value
            }
            if let number, number != own { found.append(number) }
        }
        return found
    }

    /// The real, effective, saved and filesystem uids of a process (`Uid:` in `/proc/PID/status`),
    /// read without Foundation: a registry running as root scans every process for them.
    package static func uids(of pid: pid_t) -> [UInt32]? {
        let descriptor = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // The Uid: line is the ninth; the first page always holds it.
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return nil }
        let text = buffer[0..<count]
        let marker = Array("\nUid:".utf8)
        guard let start = text.indices.first(where: { text[$0...].starts(with: marker) }) else { return nil }
        let line = text[(start + marker.count)...].prefix { $0 != UInt8(ascii: "\n") }
        let ids = line.split(whereSeparator: { $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: " ") })
            .compactMap { UInt32(String(decoding: $0, as: UTF8.self)) }
        return ids.isEmpty ? nil : ids
    }

    /// The magic number of the file system holding `path` (`statfs`'s `f_type`), or nil when it cannot be read.
    package static func fileSystemType(of path: String) -> Int? {
        let type = registry_filesystem_type(path)
        return type < 0 ? nil : type
    }

    /// A pipe whose ends close on exec; `nonBlockingRead` makes the read end non-blocking.
    package static func pipe(nonBlockingRead: Bool) throws(SandboxSetupFailure) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC) == 0 else { throw SandboxSetupFailure("pipe2: \(lastError)") }
        if nonBlockingRead {
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        }
        return (ends[0], ends[1])
    }

    /// Starts `path` with exactly the given descriptors (`target ← source`) and environment.
    package static func spawn(_ path: String, arguments: [String], environment: [String],
                      descriptors: [(source: Int32, target: Int32)]) throws(SandboxSetupFailure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for mapping in descriptors {
            posix_spawn_file_actions_adddup2(&actions, mapping.source, mapping.target)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw SandboxSetupFailure("could not start '\(path)': \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// Runs a short helper program to completion and returns its exit status and standard output.
    package static func capture(_ path: String, arguments: [String]) throws(SandboxSetupFailure) -> (status: Int32, output: String) {
        let output = try pipe(nonBlockingRead: false)
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        let pid: pid_t
        do {
            pid = try spawn(path, arguments: arguments, environment: ["PATH=/usr/bin:/bin"],
                            descriptors: [(null, 0), (output.write, 1), (null, 2)])
        } catch {
            close(output.read)
            close(output.write)
            throw error
        }
        close(output.write)
        let data = readToEnd(output.read)
        close(output.read)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (exitCode(status) ?? -1, String(decoding: data, as: UTF8.self))
    }

    /// Reads a blocking descriptor until end of file.
    package static func readToEnd(_ descriptor: Int32) -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }

    /// The whole contents of a small file (such as one under `/proc`), or nil when it cannot be opened.
    package static func contents(of path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return readToEnd(descriptor)
    }

    /// The contents of a small text file, or "" when it cannot be read.
    package static func text(of path: String) -> String {
        contents(of: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Writes `text` to an existing kernel file such as `cgroup.procs` in one `write`, which the
    /// kernel applies as a whole; no temporary file, since such files cannot be renamed over.
    package static func writeKernelFile(_ text: String, to path: String) throws(SandboxSetupFailure) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SandboxSetupFailure("open \(path): \(lastError)") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else {
            throw SandboxSetupFailure("write \(path): \(lastError)")
        }
    }

    /// The exit code of a `waitpid` status, or nil when the process was killed by a signal.
    package static func exitCode(_ status: Int32) -> Int32? {
        status & 0x7F == 0 ? (status >> 8) & 0xFF : nil
    }

    /// The signal that killed a process, from a `waitpid` status.
    package static func terminatingSignal(_ status: Int32) -> Int32? {
        let signal = status & 0x7F
        return signal != 0 && signal != 0x7F ? signal : nil
    }
}

/// A step of sandbox set-up that failed, with the system's reason.
package struct SandboxSetupFailure: Error, Sendable {
    package let detail: String
    package init(_ detail: String) { self.detail = detail }
}
