/// What the registry asks the launcher to do, passed as the launcher's command-line arguments.
///
/// The arguments are words, not JSON, so the launcher needs no Foundation to read them: keyword
/// and value pairs (`bubblewrap PATH`, `seccomp ARCH`, `identity UID:GID`, `rlimit
/// NAME:RESOURCE:VALUE:HARD`, `cgroup FOLDER`, `private-bind-source PATH`, `private-bind-target
/// PATH`), then `options N` and N bubblewrap options,
/// then `command` and the product's command as the remaining words.
package struct LaunchPlan: Sendable, Equatable {
    /// The uid and gid to drop to, when the parent runs as root.
    package struct Identity: Sendable, Equatable {
        package var uid: UInt32
        package var gid: UInt32

        /// The ids to drop to.
        package init(uid: UInt32, gid: UInt32) {
            self.uid = uid
            self.gid = gid
        }
    }

    /// A folder the launcher bind-mounts as root, in a mount namespace of the run's own, before it
    /// drops to the run's uid.
    ///
    /// bubblewrap runs as the run's uid and resolves every mount source by path, even one given
    /// as a descriptor (`--ro-bind-fd`), so it cannot reach a folder below one closed to other
    /// users (a clone in a 0700 folder). Bound at `target`, a folder of the run's stage, the same
    /// folder is reachable without opening anything on the way to it; the mount is invisible
    /// outside the run and goes away with its last process.
    package struct PrivateBind: Sendable, Equatable {
        package var source: String
        package var target: String

        /// A bind of `source` at `target`.
        package init(source: String, target: String) {
            self.source = source
            self.target = target
        }
    }

    package var bubblewrap: String
    package var options: [String]
    package var command: [String]
    package var identity: Identity?
    package var rlimits: [ResourceLimit]
    /// The run's cgroup folders, one per controller, which the launcher joins before anything of the run starts.
    package var cgroups: [String]
    package var seccomp: SeccompFilter.Architecture
    package var privateBind: PrivateBind?

    /// A plan from its parts.
    package init(bubblewrap: String, options: [String], command: [String], identity: Identity?,
                 rlimits: [ResourceLimit], cgroups: [String], seccomp: SeccompFilter.Architecture,
                 privateBind: PrivateBind? = nil) {
        self.bubblewrap = bubblewrap
        self.options = options
        self.command = command
        self.identity = identity
        self.rlimits = rlimits
        self.cgroups = cgroups
        self.seccomp = seccomp
        self.privateBind = privateBind
    }

    /// The plan as the launcher's arguments (after `SandboxLauncher.marker`).
    package var arguments: [String] {
        var words = ["bubblewrap", bubblewrap, "seccomp", seccomp.rawValue]
        if let identity { words += ["identity", "\(identity.uid):\(identity.gid)"] }
        for limit in rlimits { words += ["rlimit", "\(limit.name):\(limit.resource):\(limit.value):\(limit.hardValue)"] }
        for folder in cgroups { words += ["cgroup", folder] }
        if let privateBind { words += ["private-bind-source", privateBind.source, "private-bind-target", privateBind.target] }
        return words + ["options", "\(options.count)"] + options + ["command"] + command
    }

    /// Reads a plan from the launcher's arguments; nil when they are not a plan `arguments` wrote.
    package init?(arguments: some Collection<String>) {
        var rest = arguments[...]
        var bubblewrap: String?
        var seccomp: SeccompFilter.Architecture?
        var identity: Identity?
        var rlimits: [ResourceLimit] = []
        var cgroups: [String] = []
        var options: [String]?
        var bindSource: String?
        var bindTarget: String?
        while let keyword = rest.popFirst() {
            if keyword == "command" {
                guard let bubblewrap, let seccomp, let options, !rest.isEmpty,
                      (bindSource == nil) == (bindTarget == nil) else { return nil }
                let privateBind = bindSource.flatMap { source in bindTarget.map { PrivateBind(source: source, target: $0) } }
                self.init(bubblewrap: bubblewrap, options: options, command: Array(rest), identity: identity,
                          rlimits: rlimits, cgroups: cgroups, seccomp: seccomp, privateBind: privateBind)
                return
            }
            guard let value = rest.popFirst() else { return nil }
            let fields = value.split(separator: ":", omittingEmptySubsequences: false)
            switch keyword {
            case "bubblewrap": bubblewrap = value
            case "seccomp": seccomp = SeccompFilter.Architecture(rawValue: value)
            case "identity":
                guard fields.count == 2, let uid = UInt32(fields[0]), let gid = UInt32(fields[1]) else { return nil }
                identity = Identity(uid: uid, gid: gid)
            case "rlimit":
                guard fields.count == 4, let resource = Int32(fields[1]), let soft = UInt64(fields[2]),
                      let hard = UInt64(fields[3]) else { return nil }
                rlimits.append(ResourceLimit(name: String(fields[0]), resource: resource, value: soft, hardValue: hard))
            case "cgroup": cgroups.append(value)
            case "private-bind-source": bindSource = value
            case "private-bind-target": bindTarget = value
            case "options":
                guard let count = Int(value), count >= 0, rest.count >= count else { return nil }
                options = Array(rest.prefix(count))
                rest = rest.dropFirst(count)
            default: return nil
            }
        }
        return nil
    }
}

/// One `setrlimit` the launcher applies.
package struct ResourceLimit: Sendable, Equatable {
    /// The `RLIMIT_*` name, for messages.
    package var name: String
    package var resource: Int32
    package var value: UInt64
    package var hardValue: UInt64

    package static func addressSpace(_ bytes: UInt64) -> ResourceLimit { .init(name: "RLIMIT_AS", resource: 9, value: bytes, hardValue: bytes) }
    package static func processes(_ count: UInt64) -> ResourceLimit { .init(name: "RLIMIT_NPROC", resource: 6, value: count, hardValue: count) }
    /// Soft limit sends SIGXCPU; the hard limit one second later sends SIGKILL.
    package static func cpu(_ seconds: UInt64) -> ResourceLimit { .init(name: "RLIMIT_CPU", resource: 0, value: seconds, hardValue: seconds + 1) }
    package static func fileSize(_ bytes: UInt64) -> ResourceLimit { .init(name: "RLIMIT_FSIZE", resource: 1, value: bytes, hardValue: bytes) }
    package static func openFiles(_ count: UInt64) -> ResourceLimit { .init(name: "RLIMIT_NOFILE", resource: 7, value: count, hardValue: count) }
    package static let noCoreDumps = ResourceLimit(name: "RLIMIT_CORE", resource: 4, value: 0, hardValue: 0)
}
