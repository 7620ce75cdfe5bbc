import Foundation
import Glibc
import SandboxLaunch

/// The parent's view of a running launcher: its pipes, the clock, and the output folder.
struct RunWatch {
    /// How the watched process tree ended.
    struct Outcome {
        /// Set when the parent stopped the run; nil when the process tree ended by itself.
        var stop: SandboxStopReason?
        var durationSeconds: Double
        var cpuSeconds: Double
        var maxResidentBytes: UInt64
        /// How the launcher (bubblewrap after exec) itself ended.
        var launcherExit: Int32?
        var launcherSignal: Int32?
    }

    /// What bubblewrap (`--json-status-fd`) and the launcher reported on the status descriptor.
    struct Status {
        var childPid: Int?
        /// The sandbox's pid namespace, as `/proc/PID/ns/pid` names it (`pid:[N]`).
        var pidNamespace: String?
        var exitCode: Int32?
        var launchError: String?
    }

    private let pid: pid_t
    /// The write end of the launcher's lifeline, held until the run is over (see `SandboxLauncher.lifelineDescriptor`).
    private var lifeline: Int32
    private(set) var stdout: StreamCapture
    private(set) var stderr: StreamCapture
    private var statusStream: StreamCapture

    /// Spawns the launcher with empty stdin, capped pipes for stdout and stderr, the status pipe
    /// on fd 3 and the lifeline on fd 4.
    static func start(_ profile: SandboxProfile, plan: LaunchPlan) throws(SandboxError) -> RunWatch {
        do {
            let out = try LinuxSystem.pipe(nonBlockingRead: true)
            let err = try LinuxSystem.pipe(nonBlockingRead: true)
            let status = try LinuxSystem.pipe(nonBlockingRead: true)
            // Both ends close on exec, so no other process the registry starts can keep it open.
            let lifeline = try LinuxSystem.pipe(nonBlockingRead: false)
            let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
            defer {
                [out.write, err.write, status.write, lifeline.read, null].forEach { close($0) }
            }
            let pid: pid_t
            do {
                pid = try LinuxSystem.spawn(profile.launcherExecutable.path,
                                            arguments: [SandboxLauncher.marker] + plan.arguments,
                                            environment: [],
                                            descriptors: [(null, 0), (out.write, 1), (err.write, 2),
                                                          (status.write, SandboxLauncher.statusDescriptor),
                                                          (lifeline.read, SandboxLauncher.lifelineDescriptor)])
            } catch {
                [out.read, err.read, status.read, lifeline.write].forEach { close($0) }
                throw error
            }
            return RunWatch(pid: pid, lifeline: lifeline.write,
                            stdout: StreamCapture(descriptor: out.read, cap: profile.limits.stdoutBytes),
                            stderr: StreamCapture(descriptor: err.read, cap: profile.limits.stderrBytes),
                            statusStream: StreamCapture(descriptor: status.read, cap: 1 << 16))
        } catch let failure as SandboxSetupFailure {
            throw .staging(path: profile.launcherExecutable.path, detail: failure.detail)
        } catch {
            throw .staging(path: profile.launcherExecutable.path, detail: "\(error)")
        }
    }

    /// Waits for the launcher to end, stopping it on time, stream caps or output quota.
    mutating func follow(_ profile: SandboxProfile, stage: RunStage) async -> Outcome {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int64(profile.timeLimitSeconds * 1000))
        var nextOutputCheck = start
        var pause = Duration.milliseconds(1)
        var stop: SandboxStopReason?
        var waitStatus: Int32 = 0
        var usage = rusage()
        var reaped = false
        let exitDescriptor = LinuxSystem.exitDescriptor(of: pid)
        while true {
            stdout.drain()
            stderr.drain()
            statusStream.drain()
            if stdout.overflowed { stop = .stdoutCap; break }
            if stderr.overflowed { stop = .stderrCap; break }
            if wait4(pid, &waitStatus, WNOHANG, &usage) == pid { reaped = true; break }
            let now = clock.now
            if now >= deadline { stop = .timedOut; break }
            if Task.isCancelled { stop = .cancelled; break }
            if now >= nextOutputCheck {
                let used = stage.output.usage(entryLimit: profile.limits.outputFiles)
                if used.bytes > profile.limits.outputBytes || used.entries > profile.limits.outputFiles {
                    stop = .outputQuota
                    break
                }
                nextOutputCheck = now + .milliseconds(100)
            }
            // Sleep until the launcher ends or writes, or the pause is over, then give the thread
            // back to other tasks: a run's end is seen at once, not at the next tick.
            LinuxSystem.waitUntilReadable(([stdout, stderr, statusStream].compactMap(\.openDescriptor)
                                           + [exitDescriptor].compactMap { $0 }), timeout: pause)
            await Task.yield()
            pause = min(pause * 2, .milliseconds(20))
        }
        if let exitDescriptor { close(exitDescriptor) }
        if !reaped {
            _ = await RunProcesses.killAll(launcher: pid, stage: stage, sandboxNamespace: status.pidNamespace)
            while wait4(pid, &waitStatus, 0, &usage) < 0 && errno == EINTR {}
        }
        let elapsed = clock.now - start
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
        return Outcome(stop: stop,
                       durationSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                       cpuSeconds: cpu,
                       maxResidentBytes: UInt64(max(usage.ru_maxrss, 0)) * 1024,
                       launcherExit: LinuxSystem.exitCode(waitStatus),
                       launcherSignal: LinuxSystem.terminatingSignal(waitStatus))
    }

    /// Reads what is left in the pipes once every writer is gone, for at most a second.
    mutating func drainStreams() async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(1)
        while clock.now < deadline {
            stdout.drain()
            stderr.drain()
            statusStream.drain()
            if stdout.closed && stderr.closed && statusStream.closed { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        stdout.close()
        stderr.close()
        statusStream.close()
        if lifeline >= 0 { close(lifeline) }
        lifeline = -1
    }

    /// The status documents, parsed.
    var status: Status {
        var status = Status()
        for line in statusStream.data.split(separator: UInt8(ascii: "\n")) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            if let pid = object["child-pid"] as? Int { status.childPid = pid }
            if let namespace = object["pid-namespace"] as? Int { status.pidNamespace = "pid:[\(namespace)]" }
            if let code = object["exit-code"] as? Int { status.exitCode = Int32(truncatingIfNeeded: code) }
            if let error = object["launch-error"] as? String { status.launchError = error }
        }
        return status
    }

    /// The first line bubblewrap or the product wrote to standard error, if any.
    var firstStderrLine: String? {
        String(decoding: stderr.data, as: UTF8.self).split(separator: "\n").first.map(String.init)
    }
}

/// A non-blocking pipe read into memory up to a cap; bytes beyond it are read and dropped.
struct StreamCapture {
    private var descriptor: Int32
    let cap: Int
    private(set) var data = Data()
    private(set) var overflowed = false
    private(set) var closed = false

    init(descriptor: Int32, cap: Int) {
        self.descriptor = descriptor
        self.cap = cap
    }

    /// The read end while the writers may still send something.
    var openDescriptor: Int32? { closed ? nil : descriptor }

    /// Reads whatever is available now without blocking.
    mutating func drain() {
        guard !closed else { return }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                let room = max(cap - data.count, 0)
                if count > room { overflowed = true }
                data.append(contentsOf: buffer[0..<min(count, room)])
            } else if count == 0 {
                closed = true
                return
            } else if errno != EINTR {
                return
            }
        }
    }

    /// Closes the read end.
    mutating func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
        closed = true
    }
}
