import Foundation
import Glibc
import SandboxLaunch

/// Runs one untrusted product command so it can do its analytic job and nothing else.
public enum Sandbox {
    /// Runs the profile's command in bubblewrap and reports what happened.
    ///
    /// Throws only when the sandbox cannot be set up at all (`SandboxError`); everything the
    /// product does, including every breach attempt, ends as a `SandboxRun` value.
    public static func run(_ profile: SandboxProfile) async throws(SandboxError) -> SandboxRun {
        let host = try SandboxHost.detect()
        try validate(profile)
        guard let architecture = SeccompFilter.Architecture(rawValue: host.seccompArchitecture) else {
            throw .unsupportedArchitecture
        }
        let stage = try RunStage.prepare(profile, host: host)
        defer { stage.remove() }
        let rlimits = resourceLimits(profile, cgroup: stage.cgroup != nil, perRunUser: stage.identity != nil)
        let plan = LaunchPlan(bubblewrap: host.bubblewrapPath,
                              options: bubblewrapOptions(profile, stage: stage, host: host),
                              command: resolvedCommand(profile),
                              identity: stage.identity,
                              rlimits: rlimits,
                              cgroups: stage.cgroup?.folders ?? [],
                              seccomp: architecture,
                              privateBind: stage.environmentBind)
        var watch = try RunWatch.start(profile, plan: plan)
        let outcome = await watch.follow(profile, stage: stage)
        let leftovers = await RunProcesses.killAll(launcher: nil, stage: stage, sandboxNamespace: watch.status.pidNamespace)
        await watch.drainStreams()
        let isolation = IsolationReport(
            bubblewrapVersion: host.bubblewrapVersion,
            userNamespace: true,
            nestedUserNamespacesDisabled: host.supportsDisableUserns,
            cgroupBackend: stage.cgroup == nil ? .none : .cgroupV1,
            seccompArchitecture: architecture.rawValue,
            uid: stage.identity?.uid ?? getuid(),
            gid: stage.identity?.gid ?? getgid(),
            rlimits: Dictionary(rlimits.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }),
            leftoverProcesses: leftovers)
        return finish(profile, stage: stage, watch: watch, outcome: outcome, isolation: isolation)
    }

    private static func validate(_ profile: SandboxProfile) throws(SandboxError) {
        guard let first = profile.command.first, !first.isEmpty else {
            throw .invalidProfile("the command is empty; give run.command at least the program to start.")
        }
        for name in profile.declaredOutputs where name.isEmpty || name == "." || name == ".." || name.contains("/") {
            throw .invalidProfile("the declared output '\(name)' is not a plain file name; name outputs without folders.")
        }
        guard profile.timeLimitSeconds > 0, profile.memoryLimitBytes > 0 else {
            throw .invalidProfile("the time limit '\(profile.timeLimitSeconds)' s and memory limit '\(profile.memoryLimitBytes)' bytes must both be positive.")
        }
        guard access(profile.launcherExecutable.path, X_OK) == 0 else {
            throw .launcherMissing(path: profile.launcherExecutable.path)
        }
    }

    /// A first word naming a file in the product runs from `/product`; other bare words use `PATH`.
    static func resolvedCommand(_ profile: SandboxProfile) -> [String] {
        var command = profile.command
        let first = command[0]
        if first.hasPrefix("/") { return command }
        let relative = first.hasPrefix("./") ? String(first.dropFirst(2)) : first
        if first.contains("/") || FileManager.default.fileExists(atPath: profile.productDirectory.appendingPathComponent(relative).path) {
            command[0] = "/product/" + relative
        }
        return command
    }

    /// The only environment the product sees.
    static let environment: [(String, String)] = [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", "/tmp"),
        ("LANG", "C.UTF-8"),
        ("REGISTRY_INPUT", "/input"),
        ("REGISTRY_OUTPUT", "/output"),
    ]

    private static func bubblewrapOptions(_ profile: SandboxProfile, stage: RunStage, host: SandboxCapabilities) -> [String] {
        var options = ["--unshare-all", "--unshare-user"]
        if host.supportsDisableUserns { options.append("--disable-userns") }
        options += ["--die-with-parent", "--new-session", "--cap-drop", "ALL", "--hostname", "sandbox", "--clearenv"]
        for (key, value) in environment {
            // The environment's interpreter comes first, so `python3` and `#!/usr/bin/env python3` find it.
            let mounted = key == "PATH" ? profile.environmentDirectory.map { _ in SandboxProfile.environmentMountPoint + "/bin:" + value } : nil
            options += ["--setenv", key, mounted ?? value]
        }
        options += ["--ro-bind", "/usr", "/usr"]
        for link in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] where FileManager.default.fileExists(atPath: "/usr/\(link)") {
            options += ["--symlink", "usr/\(link)", "/\(link)"]
        }
        // Debian's /usr/bin links through /etc/alternatives; the loader cache only speeds start-up.
        for path in ["/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime"] {
            options += ["--ro-bind-try", path, path]
        }
        // /dev/shm would otherwise be an uncapped tmpfs inside bubblewrap's /dev.
        options += ["--proc", "/proc", "--dev", "/dev",
                    "--size", "\(profile.limits.tmpBytes)", "--tmpfs", "/dev/shm",
                    "--size", "\(profile.limits.tmpBytes)", "--tmpfs", "/tmp",
                    "--ro-bind", stage.product.path, "/product",
                    "--ro-bind", stage.input.path, "/input",
                    "--bind", stage.output.url.path, "/output"]
        if let environment = profile.environmentDirectory {
            options += ["--ro-bind", stage.environmentBind?.target ?? environment.path, SandboxProfile.environmentMountPoint]
        }
        options += ["--remount-ro", "/",
                    "--chdir", "/product"]
        return options
    }

    private static func resourceLimits(_ profile: SandboxProfile, cgroup: Bool, perRunUser: Bool) -> [ResourceLimit] {
        // With a cgroup the address-space limit is only a backstop: interpreters reserve far more
        // virtual memory than they touch, and the cgroup measures what is really used.
        let memory = profile.memoryLimitBytes
        let addressSpace = cgroup ? memory * 2 + (512 << 20) : memory
        var limits: [ResourceLimit] = [
            .addressSpace(addressSpace),
            .cpu(UInt64(profile.timeLimitSeconds.rounded(.up)) + 1),
            .fileSize(profile.limits.outputBytes),
            .openFiles(profile.limits.openFiles),
            .noCoreDumps,
        ]
        // RLIMIT_NPROC counts every process of the real uid, so it is exact only for a per-run uid.
        // With a cgroup it sits a little above pids.max, so the cgroup refuses first and says so
        // in pids.events, which is how a fork bomb is told apart from an ordinary failure. Without
        // a per-run uid (the registry runs unprivileged) the limit is what the user already runs
        // plus the run's allowance, so a fork bomb cannot exhaust the host's process table.
        if perRunUser {
            let headroom: UInt64 = cgroup ? 8 : 0
            limits.append(.processes(profile.limits.processes + RunStage.bubblewrapProcesses + headroom))
        } else {
            // The launcher stays alive as the run's supervisor, as this user too.
            let running = UInt64(RunProcesses.owned(by: getuid()).count) + 1
            limits.append(.processes(running + profile.limits.processes + RunStage.bubblewrapProcesses))
        }
        return limits
    }

    private static func finish(_ profile: SandboxProfile, stage: RunStage, watch: RunWatch, outcome: RunWatch.Outcome,
                               isolation: IsolationReport) -> SandboxRun {
        let collection = stage.output.collect(declared: profile.declaredOutputs, into: profile.collectionDirectory,
                                              maxBytes: profile.limits.outputBytes)
        let finalUsage = stage.output.usage(entryLimit: profile.limits.outputFiles)
        let status = watch.status
        let memoryHit = stage.cgroup?.memoryLimitHit ?? false
        let processesHit = stage.cgroup?.processLimitHit ?? false
        let cpuSeconds = max(outcome.cpuSeconds, stage.cgroup?.cpuSeconds ?? 0)
        var exitStatus: Int32?
        var signal: Int32?
        if outcome.stop != nil {
            signal = SIGKILL
        } else if let code = status.exitCode ?? outcome.launcherExit {
            // bubblewrap reports a command killed by signal N as status 128 + N, like a shell.
            if code > 128 && code <= 128 + 64 { signal = code - 128 } else { exitStatus = code }
        } else {
            signal = outcome.launcherSignal
        }
        let cpuLimit = UInt64(profile.timeLimitSeconds.rounded(.up)) + 1
        let reason: SandboxStopReason
        var detail = ""
        if let stop = outcome.stop {
            reason = stop
        } else if let launchError = status.launchError {
            reason = .setupFailed
            detail = launchError
        } else if status.childPid == nil {
            reason = .setupFailed
            detail = watch.firstStderrLine ?? "bubblewrap exited with status \(outcome.launcherExit.map(String.init) ?? "unknown") before starting the command"
        } else if exitStatus == 1, let line = watch.firstStderrLine, line.hasPrefix("bwrap: ") {
            // bubblewrap reports the child before mounting and exec'ing in it; failures there
            // (a missing mount source, a command that does not exist) come back as status 1.
            reason = .setupFailed
            detail = line
        } else if memoryHit && (signal != nil || exitStatus != 0) {
            reason = .memoryLimit
        } else if signal == SIGXCPU || (signal == SIGKILL && cpuSeconds >= Double(cpuLimit)) {
            reason = .cpuTimeLimit
        } else if signal == SIGXFSZ || ((exitStatus ?? 0) != 0 && finalUsage.largestFile >= profile.limits.outputBytes) {
            reason = .fileSizeLimit
        } else if finalUsage.bytes > profile.limits.outputBytes || finalUsage.entries > profile.limits.outputFiles {
            reason = .outputQuota
        } else if processesHit && (signal != nil || exitStatus != 0) {
            reason = .processLimit
        } else if let signal {
            reason = .killedBySignal
            detail = "signal \(signal)"
        } else if let exitStatus, exitStatus != 0 {
            reason = .nonZeroExit
            detail = "\(exitStatus)"
        } else {
            reason = .none
        }
        return SandboxRun(
            exitStatus: exitStatus,
            terminatingSignal: signal,
            stopReason: reason,
            explanation: explain(reason, detail: detail, profile: profile),
            stdout: watch.stdout.data,
            stderr: watch.stderr.data,
            durationSeconds: outcome.durationSeconds,
            cpuSeconds: cpuSeconds,
            peakMemoryBytes: stage.cgroup?.peakMemory ?? outcome.maxResidentBytes,
            outputs: collection.collected,
            rejectedOutputs: collection.rejected,
            missingOutputs: collection.missing,
            isolation: isolation)
    }

    private static func explain(_ reason: SandboxStopReason, detail: String, profile: SandboxProfile) -> String {
        let limits = profile.limits
        switch reason {
        case .none: return "The product exited normally with status 0."
        case .nonZeroExit: return "The product exited with status \(detail); see its standard error for why."
        case .killedBySignal: return "The product was ended by \(detail) before it finished."
        case .timedOut: return "The product was still running after its \(profile.timeLimitSeconds) s time limit, so the whole process tree was killed."
        case .cpuTimeLimit: return "The product used more CPU time than its \(profile.timeLimitSeconds) s limit allows and was stopped."
        case .processLimit: return "The product tried to run more than \(limits.processes) processes at once and was refused."
        case .memoryLimit: return "The product went over its memory limit of \(profile.memoryLimitBytes) bytes and was stopped."
        case .outputQuota: return "The product wrote more than \(limits.outputBytes) bytes or \(limits.outputFiles) entries to /output and was stopped."
        case .stdoutCap: return "The product wrote more than \(limits.stdoutBytes) bytes to standard output and was stopped."
        case .stderrCap: return "The product wrote more than \(limits.stderrBytes) bytes to standard error and was stopped."
        case .fileSizeLimit: return "The product tried to write a file larger than \(limits.outputBytes) bytes and was stopped."
        case .setupFailed: return "The sandbox could not be set up (\(detail)); the product did not run."
        case .cancelled: return "The run was cancelled before the product finished, so the whole process tree was killed."
        }
    }
}
