import Glibc

/// The launcher of the sandbox: the `registry-launcher` executable beside the registry binary,
/// started as `registry-launcher __sandbox-launch PLAN-WORDS…` (see `LaunchPlan.arguments`).
///
/// It is built without Foundation as a static executable, so it starts in well under a
/// millisecond of CPU where a re-exec of the whole registry took tens. It runs in a fresh
/// single-threaded process and forks once. The child sets everything that must
/// hold for the product and for bubblewrap itself (descriptors, cgroup, uid, limits,
/// no_new_privs, seccomp), in order, before `execv` of bwrap; any failure is reported on the
/// status descriptor and ends it, so the product never starts with a step missing. The parent
/// stays behind as the run's supervisor: it relays bubblewrap's exit status to the registry, and
/// kills the whole run as soon as the registry is gone, however the registry ended (SIGKILL
/// included), which no signal bubblewrap or the kernel sends would do on their own.
package enum SandboxLauncher {
    /// The launcher's first argument: it marks launcher processes on the host (leftover removal
    /// finds a dead registry's launchers by it) and keeps the launcher from acting when started by hand.
    package static let marker = "__sandbox-launch"

    /// The launcher's file name, beside the registry binary.
    package static let executableName = "registry-launcher"

    /// The launcher's `main`: runs the plan in the arguments and never returns.
    ///
    /// Call it first thing, before any thread exists.
    package static func main(_ arguments: [String]) -> Never {
        guard arguments.count > 1, arguments[1] == marker else {
            let line = Array("\(executableName) starts product runs for the registry and is not run by hand; use `registry run`.\n".utf8)
            _ = write(2, line, line.count)
            _exit(2)
        }
        guard let plan = LaunchPlan(arguments: arguments.dropFirst(2)) else {
            fail("the launch plan could not be read")
        }
        do {
            try launch(plan)
        } catch {
            fail(error.detail)
        }
    }

    /// The descriptor both the launcher (failures) and bubblewrap (`--json-status-fd`) report on.
    package static let statusDescriptor: Int32 = 3

    /// The read end of a pipe whose only write end the registry holds (close-on-exec, never
    /// written): it reaches end-of-file exactly when the registry process is gone.
    package static let lifelineDescriptor: Int32 = 4

    private static func launch(_ plan: LaunchPlan) throws(SandboxSetupFailure) -> Never {
        guard setsid() >= 0 else { throw SandboxSetupFailure("setsid: \(LinuxSystem.lastError)") }
        let null = open("/dev/null", O_RDONLY)
        guard null >= 0, dup2(null, 0) == 0 else { throw SandboxSetupFailure("stdin: \(LinuxSystem.lastError)") }
        for descriptor in LinuxSystem.openDescriptors() where descriptor > lifelineDescriptor {
            close(descriptor)
        }
        // Processes of the run orphaned on the host (bubblewrap's sandbox init once its monitor
        // is gone, or its child still waiting for the monitor's go-ahead) become the launcher's
        // children instead of init's, so the launcher can always find and kill them.
        guard LinuxSystem.prctl(LinuxSystem.setChildSubreaper, 1) == 0 else {
            throw SandboxSetupFailure("PR_SET_CHILD_SUBREAPER: \(LinuxSystem.lastError)")
        }
        // A registry killed while this process was loading is already gone: start nothing.
        var lifeline = pollfd(fd: lifelineDescriptor, events: Int16(POLLIN), revents: 0)
        if poll(&lifeline, 1, 0) != 0 { _exit(128 + SIGKILL) }
        let launcher = getpid()
        let child = fork()
        guard child >= 0 else { throw SandboxSetupFailure("fork: \(LinuxSystem.lastError)") }
        if child == 0 {
            close(lifelineDescriptor)
            do {
                try startBubblewrap(plan, launcher: launcher)
            } catch {
                fail(error.detail)
            }
        }
        supervise(bubblewrap: child, plan: plan)
    }

    /// The child's side: joins the run's cgroup, makes the private bind, drops to the run's uid,
    /// applies the limits and execs bwrap.
    private static func startBubblewrap(_ plan: LaunchPlan, launcher: pid_t) throws(SandboxSetupFailure) -> Never {
        // This forked child has a single thread, so moving that thread (its group's `tasks` file,
        // "0" naming the caller) moves the whole process. Writing the pid to `cgroup.procs` would
        // take the kernel's global thread-group lock instead, whose RCU grace period cost every run
        // 6-20 ms of waiting on cgroup v1.
        for folder in plan.cgroups {
            try LinuxSystem.writeKernelFile("0", to: folder + "/tasks")
        }
        let seccompDescriptor = try seccompProgram(plan.seccomp)
        if let bind = plan.privateBind {
            try LinuxSystem.bindInPrivateMountNamespace(bind.source, at: bind.target)
        }
        if let identity = plan.identity {
            try dropPrivileges(to: identity)
        }
        // Set after the uid change, which clears it; it survives the exec of bwrap. Checking the
        // parent afterwards closes the window in which the launcher died before the call.
        guard LinuxSystem.prctl(LinuxSystem.setParentDeathSignal, UInt(SIGKILL)) == 0 else {
            throw SandboxSetupFailure("PR_SET_PDEATHSIG: \(LinuxSystem.lastError)")
        }
        guard getppid() == launcher else { _exit(127) }
        for limit in plan.rlimits {
            var value = rlimit(rlim_cur: rlim_t(limit.value), rlim_max: rlim_t(limit.hardValue))
            guard setrlimit(__rlimit_resource_t(limit.resource), &value) == 0 else {
                throw SandboxSetupFailure("setrlimit \(limit.name)=\(limit.value): \(LinuxSystem.lastError)")
            }
        }
        guard LinuxSystem.prctl(LinuxSystem.setNoNewPrivileges, 1) == 0,
              LinuxSystem.prctl(LinuxSystem.getNoNewPrivileges, 0) == 1 else {
            throw SandboxSetupFailure("PR_SET_NO_NEW_PRIVS: \(LinuxSystem.lastError)")
        }
        let argv = [plan.bubblewrap] + plan.options
            + ["--json-status-fd", "\(statusDescriptor)", "--seccomp", "\(seccompDescriptor)", "--"] + plan.command
        let cArguments = argv.map { strdup($0) } + [nil]
        let environment: [UnsafeMutablePointer<CChar>?] = [nil]
        execve(plan.bubblewrap, cArguments, environment)
        throw SandboxSetupFailure("exec \(plan.bubblewrap): \(LinuxSystem.lastError)")
    }

    /// The parent's side: waits for bubblewrap or for the registry to go, whichever comes first.
    ///
    /// When bubblewrap ends, whatever of the run it left behind is killed and its status is
    /// passed on. When the lifeline breaks first, the registry died without cleaning up, so the
    /// launcher kills every process of the run itself; the registry's next run removes the files.
    private static func supervise(bubblewrap child: pid_t, plan: LaunchPlan) -> Never {
        let exitDescriptor = LinuxSystem.exitDescriptor(of: child)
        while true {
            // Reaps orphans handed over as subreaper as well as bubblewrap.
            var status: Int32 = 0
            var reaped = waitpid(-1, &status, WNOHANG)
            while reaped > 0 {
                if reaped == child {
                    endOrphans()
                    relay(status)
                }
                reaped = waitpid(-1, &status, WNOHANG)
            }
            var descriptors = [pollfd(fd: lifelineDescriptor, events: Int16(POLLIN), revents: 0)]
            if let exitDescriptor { descriptors.append(pollfd(fd: exitDescriptor, events: Int16(POLLIN), revents: 0)) }
            _ = poll(&descriptors, nfds_t(descriptors.count), 100)
            if descriptors[0].revents != 0 {
                _ = RunProcesses.killUntilGone { processesOfRun(plan) }
                _exit(128 + SIGKILL)
            }
        }
    }

    /// Kills and reaps the launcher's remaining children once bubblewrap has ended.
    ///
    /// bubblewrap's monitor exits as soon as the sandbox's init reports the command's status, so
    /// that init, still exiting, is usually handed to the launcher as subreaper. Any process of
    /// the run outside the sandbox that outlived bubblewrap is such a child, and killing the init
    /// ends everything inside, so the launcher's own children are all there is to end; reading
    /// them is one small file, where scanning every process would delay each run's end.
    private static func endOrphans() {
        for _ in 0..<2000 {
            var reaped = waitpid(-1, nil, WNOHANG)
            while reaped > 0 { reaped = waitpid(-1, nil, WNOHANG) }
            if reaped < 0 { return }
            let children = LinuxSystem.text(of: "/proc/self/task/\(getpid())/children")
            for child in children.split(separator: " ").compactMap({ pid_t($0) }) { kill(child, SIGKILL) }
            usleep(1000)
        }
    }

    /// Every process of the run other than the launcher: its descendants (the launcher is the
    /// subreaper of all of them), and the cgroup's members, or without a cgroup the run uid's processes.
    private static func processesOfRun(_ plan: LaunchPlan) -> [pid_t] {
        var pids = RunProcesses.descendants(of: getpid())
        pids.formUnion(RunProcesses.members(ofGroups: plan.cgroups))
        if plan.cgroups.isEmpty, let identity = plan.identity { pids.formUnion(RunProcesses.owned(by: identity.uid)) }
        return Array(pids)
    }

    /// Ends the launcher the way bubblewrap ended: with its exit status, or by the same signal.
    private static func relay(_ status: Int32) -> Never {
        if let signal = LinuxSystem.terminatingSignal(status) {
            // Without the runtime's crash handler and without a core file, the signal only reports.
            var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
            setrlimit(__rlimit_resource_t(ResourceLimit.noCoreDumps.resource), &noCore)
            Glibc.signal(signal, SIG_DFL)
            kill(getpid(), signal)
            _exit(128 + signal)
        }
        _exit(LinuxSystem.exitCode(status) ?? 127)
    }

    /// Writes the filter into a pipe bubblewrap reads at start-up, and returns the read end.
    private static func seccompProgram(_ architecture: SeccompFilter.Architecture) throws(SandboxSetupFailure) -> Int32 {
        let bytes = SeccompFilter(architecture: architecture).bytes
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { throw SandboxSetupFailure("pipe: \(LinuxSystem.lastError)") }
        guard write(ends[1], bytes, bytes.count) == bytes.count else {
            throw SandboxSetupFailure("writing the seccomp filter: \(LinuxSystem.lastError)")
        }
        close(ends[1])
        return ends[0]
    }

    /// Drops to the run's uid and gid for good, and proves root cannot be regained.
    private static func dropPrivileges(to identity: LaunchPlan.Identity) throws(SandboxSetupFailure) {
        guard setgroups(0, nil) == 0 else { throw SandboxSetupFailure("setgroups: \(LinuxSystem.lastError)") }
        // As root, setgid and setuid replace the real, effective and saved ids together.
        guard setgid(identity.gid) == 0 else {
            throw SandboxSetupFailure("setgid \(identity.gid): \(LinuxSystem.lastError)")
        }
        guard setuid(identity.uid) == 0 else {
            throw SandboxSetupFailure("setuid \(identity.uid): \(LinuxSystem.lastError)")
        }
        guard getuid() == identity.uid, geteuid() == identity.uid, getgid() == identity.gid,
              getegid() == identity.gid, setuid(0) != 0, setgid(0) != 0, seteuid(0) != 0 else {
            throw SandboxSetupFailure("uid \(identity.uid) could regain root after dropping privileges")
        }
    }

    /// Reports `detail` on the status descriptor as `{"launch-error": "…"}` and ends the launcher.
    private static func fail(_ detail: String) -> Never {
        let line = Array("{\"launch-error\":\(jsonString(detail))}\n".utf8)
        _ = write(statusDescriptor, line, line.count)
        _exit(127)
    }

    /// `text` as a JSON string literal, escaped by hand since the launcher has no JSON encoder.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
