import Foundation
import Glibc
@testable import Sandbox
import Testing
import TestSupport

/// Products that try to escape or harm the host: each must end as a clear run result, never as
/// a thrown error, with the host untouched and nothing left running.
@Suite(.serialized)
struct HostileProductTests {
    // MARK: Network

    @Test func cannotConnectToAHostLoopbackListener() async throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        let fixture = try ProductFixture.python("""
            import socket, sys
            for family, address in ((socket.AF_INET, ("127.0.0.1", int(sys.argv[1]))), (socket.AF_INET6, ("::1", int(sys.argv[1])))):
                try:
                    socket.create_connection(address[:2], timeout=1).sendall(b"leak")
                    print("connected")
                except OSError as error:
                    print("refused", error.errno)
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(arguments: ["\(listener.port)"])
        #expect(!listener.receivedConnection)
        #expect(!run.stdoutText.contains("connected"))
        #expect(run.stdoutText.contains("refused"))
        #expect(run.stopReason == .none)
    }

    @Test func cannotResolveNames() async throws {
        let fixture = try ProductFixture.python("""
            import socket
            try:
                print("resolved", socket.getaddrinfo("example.org", 443))
            except OSError as error:
                print("unresolved", error)
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        #expect(run.stdoutText.hasPrefix("unresolved"))
        #expect(run.stopReason == .none)
    }

    @Test func cannotOpenRawPacketOrInternetSockets() async throws {
        let fixture = try ProductFixture.python("""
            import socket
            attempts = {
                "raw": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                "packet": (socket.AF_PACKET, socket.SOCK_RAW, 0),
                "netlink": (socket.AF_NETLINK, socket.SOCK_RAW, 0),
                "tcp": (socket.AF_INET, socket.SOCK_STREAM, 0),
                "udp6": (socket.AF_INET6, socket.SOCK_DGRAM, 0),
            }
            for name, arguments in attempts.items():
                try:
                    socket.socket(*arguments)
                    print(name, "opened")
                except OSError as error:
                    print(name, "denied", error.errno)
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            print("unix allowed")
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        for name in ["raw", "packet", "netlink", "tcp", "udp6"] {
            #expect(run.stdoutText.contains("\(name) denied 1"), "\(name): \(run.stdoutText)")
        }
        #expect(run.stdoutText.contains("unix allowed"))
    }

    @Test func cannotReachAHostAbstractUnixSocket() async throws {
        let listener = try AbstractSocketListener()
        defer { listener.close() }
        let fixture = try ProductFixture.python("""
            import socket, sys
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                client.connect("\\0" + sys.argv[1])
                client.sendall(b"leak")
                print("connected")
            except OSError as error:
                print("refused", error.errno)
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(arguments: [listener.name])
        #expect(!listener.receivedConnection)
        #expect(run.stdoutText.hasPrefix("refused"))
    }

    // MARK: Secrets

    @Test func cannotReadShadowOrAKeyInAHomeFolder() async throws {
        let home = try makeTemporaryDirectory("sandbox-home")
        defer { home.remove() }
        let secret = "SECRET-KEY-\(UUID().uuidString)"
        try writeFile("-----BEGIN OPENSSH PRIVATE KEY-----\n\(secret)\n", to: ".ssh/id_ed25519", in: home.url)
        let keyPath = home.url.appendingPathComponent(".ssh/id_ed25519").path
        let fixture = try ProductFixture.shell("""
            cat /etc/shadow "$1" /root/.ssh/id_ed25519 2>&1
            find / -xdev -name 'id_*' -exec cat {} + 2>/dev/null
            ls -la / /tmp /root /home 2>&1
            echo done
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(arguments: [keyPath], seconds: 3)
        #expect(run.stopReason == .none, "\(run.explanation)")
        #expect(!run.everythingEmitted.contains(secret))
        #expect(!run.everythingEmitted.contains("root:"))
        #expect(run.stdoutText.contains("done"))
    }

    @Test func cannotReadAnotherProductsFolder() async throws {
        let other = try ProductFixture(["model.py": "WEIGHTS = 'other-product-secret'\n"])
        defer { other.remove() }
        let fixture = try ProductFixture.shell("""
            cat "$1/model.py" 2>&1
            find / -xdev -name model.py 2>/dev/null
            ls -la "$(dirname "$1")" 2>&1
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(arguments: [other.product.path])
        #expect(run.stopReason == .nonZeroExit, "\(run.explanation)")
        #expect(!run.everythingEmitted.contains("other-product-secret"))
        #expect(run.stdoutText.contains("No such file"))
    }

    @Test func cannotSeeTheRegistrysEnvironmentThroughProc() async throws {
        let secret = "ENV-SECRET-\(UUID().uuidString)"
        setenv("REGISTRY_TEST_SECRET", secret, 1)
        defer { unsetenv("REGISTRY_TEST_SECRET") }
        let fixture = try ProductFixture.shell("""
            cat /proc/1/environ /proc/*/environ 2>&1 | tr '\\0' '\\n'
            env
            ls /proc
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        #expect(!run.everythingEmitted.contains(secret))
        #expect(!run.everythingEmitted.contains("REGISTRY_TEST_SECRET"))
    }

    @Test func inheritsNoDescriptorsBeyondTheStandardThree() async throws {
        let scratch = try makeTemporaryDirectory("sandbox-fd")
        defer { scratch.remove() }
        let secret = "FD-SECRET-\(UUID().uuidString)"
        try writeFile(secret, to: "secret.txt", in: scratch.url)
        let leaked = open(scratch.url.appendingPathComponent("secret.txt").path, O_RDONLY)
        try #require(leaked >= 0)
        defer { close(leaked) }
        let fixture = try ProductFixture.python("""
            import os, sys
            print("fds", sorted(int(name) for name in os.listdir("/proc/self/fd")))
            for descriptor in range(3, 1024):
                try:
                    print(os.read(descriptor, 200))
                except OSError:
                    pass
            print("stdin", repr(sys.stdin.read()))
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(arguments: ["\(leaked)"])
        #expect(!run.everythingEmitted.contains(secret))
        // Python's listdir holds one descriptor (3) of its own while listing.
        #expect(run.stdoutText.contains("fds [0, 1, 2, 3]"))
        #expect(run.stdoutText.contains("stdin ''"))
    }

    @Test func otherLocalUsersCannotReadTheStagedInputs() async throws {
        guard getuid() == 0 else { return }
        let work = try makeTemporaryDirectory("sandbox-work")
        defer { work.remove() }
        chmod(work.url.path, 0o755)
        let fixture = try ProductFixture(["main.sh": "cat /input/data.csv\nsleep 1\n"], inputs: ["data.csv": "staged-secret\n"])
        defer { fixture.remove() }
        async let running = fixture.run(seconds: 3, workRoot: work.url)
        var stagedInput: URL?
        for _ in 0..<200 where stagedInput == nil {
            try await Task.sleep(for: .milliseconds(10))
            let stages = try FileManager.default.contentsOfDirectory(atPath: work.url.path)
            stagedInput = stages.first.map { work.url.appendingPathComponent($0).appendingPathComponent("input/data.csv") }
                .flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
        }
        let input = try #require(stagedInput)
        let outsider = try runProcess("/usr/bin/setpriv", ["--reuid=54321", "--regid=54321", "--clear-groups", "/bin/cat", input.path])
        let run = try await running
        #expect(run.stdoutText == "staged-secret\n")
        #expect(outsider.status != 0)
        #expect(!outsider.stdout.contains("staged-secret"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.url.path).isEmpty)
    }

    // MARK: Writing outside /output

    @Test func cannotWriteOutsideOutput() async throws {
        let canary = try makeTemporaryDirectory("sandbox-canary")
        defer { canary.remove() }
        try writeFile("original", to: "canary.txt", in: canary.url)
        let fixture = try ProductFixture(["main.sh": "echo hi\n"], inputs: ["data.csv": "a\n1\n"])
        defer { fixture.remove() }
        let productBefore = try fixture.productSnapshot()
        let inputBefore = try snapshot(of: fixture.input)
        // As root the staged product and input files are links to the caller's copies, so neither
        // their contents nor their modes may be changeable from inside.
        try writeFile("""
            chmod 666 /product/main.sh /input/data.csv 2>/dev/null && echo "changed a mode"
            for target in /product/main.sh /product/new /input/data.csv /input/new /usr/evil /evil /etc/evil /proc/evil "$1"; do
                if echo overwritten > "$target" 2>/dev/null; then echo "wrote $target"; else echo "refused $target"; fi
            done
            """, to: "main.sh", in: fixture.product)
        let productScript = try fixture.productSnapshot()
        let run = try await fixture.run(arguments: [canary.url.appendingPathComponent("canary.txt").path])
        #expect(!run.stdoutText.contains("changed a mode"))
        #expect(!run.stdoutText.contains("wrote /product"))
        #expect(!run.stdoutText.contains("wrote /input"))
        #expect(!run.stdoutText.contains("wrote /usr"))
        #expect(try String(contentsOf: canary.url.appendingPathComponent("canary.txt"), encoding: .utf8) == "original")
        #expect(try fixture.productSnapshot() == productScript)
        #expect(productBefore.keys.sorted() == productScript.keys.sorted())
        #expect(try snapshot(of: fixture.input) == inputBefore)
    }

    // MARK: Resource exhaustion

    @Test func forkBombIsContainedAndLeavesNothing() async throws {
        let fixture = try ProductFixture.shell("""
            bomb() { bomb | bomb & }
            bomb
            sleep 30
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(seconds: 2)
        // A shell fork bomb keeps retrying at the limit until the clock stops it; a product that
        // gives up when fork fails ends as processLimit instead.
        #expect([.processLimit, .timedOut].contains(run.stopReason), "\(run.stopReason): \(run.explanation)")
        #expect(run.isolation.leftoverProcesses == 0)
        #expect(run.survivingProcesses.isEmpty)
        #expect(run.durationSeconds < 20, "the 30 s sleep must be cut short by the time limit")
    }

    @Test func failedForksAreReportedAsTheProcessLimit() async throws {
        let fixture = try ProductFixture.python("""
            import os, time
            children = []
            while True:
                try:
                    child = os.fork()
                except OSError as error:
                    raise SystemExit(f"fork refused after {len(children)}: {error}")
                if child == 0:
                    time.sleep(30)
                    os._exit(0)
                children.append(child)
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(seconds: 3)
        // Run unprivileged there is no cgroup to say which limit refused the fork: the product
        // then ends with its own error, which stderr explains.
        let reasons: [SandboxStopReason] = getuid() == 0 ? [.processLimit] : [.processLimit, .nonZeroExit]
        #expect(reasons.contains(run.stopReason), "\(run.stopReason): \(run.explanation)")
        #expect(run.stderrText.contains("fork refused"))
        #expect(run.survivingProcesses.isEmpty)
    }

    @Test func heapMemoryBombStopsWithMemoryLimit() async throws {
        let fixture = try ProductFixture.python("""
            blocks = []
            while True:
                blocks.append(bytearray(8 << 20))
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(seconds: 3, memory: 64 << 20)
        if getuid() == 0 {
            #expect(run.stopReason == .memoryLimit, "\(run.explanation) \(run.stderrText)")
            #expect(run.explanation.contains("memory limit"))
        } else {
            // Unprivileged, the address-space limit makes the allocation fail inside the product.
            #expect([.memoryLimit, .nonZeroExit].contains(run.stopReason), "\(run.explanation)")
            #expect(run.stderrText.contains("MemoryError") || run.stopReason == .memoryLimit)
        }
    }

    @Test func scratchSpaceIsCapped() async throws {
        let fixture = try ProductFixture.shell("""
            dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>&1
            dd if=/dev/zero of=/dev/shm/fill bs=1M count=64 2>&1
            """)
        defer { fixture.remove() }
        var limits = ProductFixture.smallLimits
        limits.outputBytes = 32 << 20
        let run = try await fixture.run(seconds: 3, limits: limits)
        #expect(run.stdoutText.components(separatedBy: "No space left on device").count == 3, "\(run.stdoutText)")
        #expect(run.stopReason != .none)
    }

    @Test func rootFilesystemIsReadOnly() async throws {
        let fixture = try ProductFixture.shell("""
            for target in /fill /usr/fill /var/fill /product/fill; do
                dd if=/dev/zero of=$target bs=1M count=32 2>&1 | head -1
            done
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        #expect(run.stdoutText.contains("Read-only file system"))
        #expect(!run.stdoutText.contains("records out"))
    }

    @Test func cpuLoopIsStoppedByTheClock() async throws {
        let fixture = try ProductFixture.python("while True:\n    pass\n")
        defer { fixture.remove() }
        let run = try await fixture.run(seconds: 1)
        #expect([.timedOut, .cpuTimeLimit].contains(run.stopReason))
        #expect(run.durationSeconds < 20, "the endless loop must be cut short by the time limit")
        // The loop is killed, never waited for: its CPU time must still be counted (loosely, the
        // machine is shared). That needs the cgroup's accounting, which only a privileged run has.
        if run.isolation.cgroupBackend != .none { #expect(run.cpuSeconds > 0.1) }
    }

    @Test func sleepingForeverTimesOut() async throws {
        let fixture = try ProductFixture.shell("sleep 1000\n")
        defer { fixture.remove() }
        let run = try await fixture.run(seconds: 1)
        #expect(run.stopReason == .timedOut)
        #expect(run.terminatingSignal == SIGKILL)
        #expect(run.durationSeconds >= 1 && run.durationSeconds < 20, "the 1000 s sleep must be cut short by the time limit")
        #expect(run.explanation.contains("time limit"))
    }

    @Test func fillingTheDiskStopsAtTheFileSizeOrQuota() async throws {
        let fixture = try ProductFixture.shell("dd if=/dev/zero of=/output/result.csv bs=1M count=512\n")
        defer { fixture.remove() }
        let run = try await fixture.run(outputs: ["result.csv"])
        #expect([.fileSizeLimit, .outputQuota].contains(run.stopReason), "\(run.stopReason)")
        #expect(try (FileManager.default.contentsOfDirectory(atPath: fixture.collection.path)).allSatisfy { name in
            let size = (try? FileManager.default.attributesOfItem(atPath: fixture.collection.appendingPathComponent(name).path)[.size] as? UInt64) ?? 0
            return size <= ProductFixture.smallLimits.outputBytes
        })
    }

    @Test func manyFilesStopWithOutputQuota() async throws {
        let fixture = try ProductFixture.python("""
            import os
            for index in range(100000):
                open(f"/output/file-{index}", "w").close()
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(seconds: 3)
        #expect(run.stopReason == .outputQuota)
        #expect(run.explanation.contains("/output"))
    }

    @Test func deeplyNestedOutputFoldersStopWithOutputQuota() async throws {
        let fixture = try ProductFixture.shell("""
            cd /output
            for level in $(seq 1 40); do mkdir d && cd d || exit 1; done
            dd if=/dev/zero of=hidden bs=1M count=3 2>/dev/null
            sleep 5
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(seconds: 3)
        #expect(run.stopReason == .outputQuota, "\(run.stopReason)")
    }

    @Test func stdoutFloodStopsAtTheCap() async throws {
        let fixture = try ProductFixture.shell("yes 'flood flood flood flood'\n")
        defer { fixture.remove() }
        let run = try await fixture.run()
        #expect(run.stopReason == .stdoutCap)
        #expect(run.stdout.count == ProductFixture.smallLimits.stdoutBytes)
    }

    // MARK: Planted outputs

    @Test func plantedSymlinkHardlinkFifoAndSetuidOutputsAreRejected() async throws {
        let fixture = try ProductFixture.shell("""
            ln -s /etc/passwd /output/link.csv
            echo data > /output/real.csv
            ln /output/real.csv /output/hard.csv
            mkfifo /output/fifo.csv
            echo data > /output/setuid.csv && chmod 4755 /output/setuid.csv
            echo data > /output/setgid.csv && chmod 2755 /output/setgid.csv
            echo data > /output/undeclared.csv
            if mknod /output/device.csv c 1 3 2>/dev/null; then echo mknod-worked; else echo mknod-refused; fi
            """)
        defer { fixture.remove() }
        let declared = ["link.csv", "hard.csv", "fifo.csv", "setuid.csv", "setgid.csv", "device.csv"]
        let run = try await fixture.run(outputs: declared)
        let reasons = Dictionary(uniqueKeysWithValues: run.rejectedOutputs.map { ($0.name, $0.reason) })
        #expect(reasons["link.csv"] == "is a symbolic link")
        #expect(reasons["hard.csv"]?.contains("hard links") == true)
        #expect(reasons["real.csv"] == "is not a declared output")
        #expect(reasons["fifo.csv"] == "is a FIFO")
        #expect(reasons["setuid.csv"] == "has the setuid or setgid bit")
        #expect(reasons["setgid.csv"] == "has the setuid or setgid bit")
        #expect(reasons["undeclared.csv"] == "is not a declared output")
        #expect(run.stdoutText.contains("mknod-refused"))
        #expect(run.missingOutputs == ["device.csv"])
        #expect(run.outputs.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.collection.path).isEmpty)
        #expect(!run.succeeded)
    }

    // MARK: Kernel attack surface

    @Test func ptraceIsDenied() async throws {
        let fixture = try ProductFixture.python("""
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            child = os.fork()
            if child == 0:
                import time; time.sleep(5); os._exit(0)
            print("attach", libc.ptrace(16, child, None, None), ctypes.get_errno())
            print("traceme", libc.ptrace(0, 0, None, None), ctypes.get_errno())
            os.kill(child, 9)
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        #expect(run.stdoutText.contains("attach -1 1"))
        #expect(run.stdoutText.contains("traceme -1 1"))
    }

    @Test func namespacesCannotBeCreatedOrJoined() async throws {
        let fixture = try ProductFixture.shell("""
            for flags in -U -n -m -p -i "-r"; do
                if unshare $flags true 2>/dev/null; then echo "unshare $flags worked"; else echo "unshare $flags refused"; fi
            done
            if nsenter -t 1 -m true 2>/dev/null; then echo "setns worked"; else echo "setns refused"; fi
            python3 -c 'import threading; t = threading.Thread(target=print, args=("threads work",)); t.start(); t.join()'
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        #expect(!run.stdoutText.contains("worked"), "\(run.stdoutText)")
        #expect(run.stdoutText.contains("unshare -U refused"))
        #expect(run.stdoutText.contains("threads work"))
    }

    @Test func dangerousSystemCallsAreRefusedByTheFilter() async throws {
        let fixture = try ProductFixture.python("""
            import ctypes, platform
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            x86 = platform.machine() == "x86_64"
            calls = {
                "clone-newuser": (56 if x86 else 220, 0x10000000 | 17),
                "clone-newnet": (56 if x86 else 220, 0x40000000 | 17),
                "clone3": (435, 0),
                "mount": (165 if x86 else 40, 0),
                "keyctl": (250 if x86 else 219, 0),
                "bpf": (321 if x86 else 280, 0),
                "io_uring_setup": (425, 1),
                "perf_event_open": (298 if x86 else 241, 0),
                "userfaultfd": (323 if x86 else 282, 0),
                "personality-no-aslr": (135 if x86 else 92, 0x0040000),
                "acct": (163 if x86 else 89, 0),
            }
            for name, (number, argument) in calls.items():
                result = libc.syscall(ctypes.c_long(number), ctypes.c_long(argument), 0, 0, 0, 0)
                print(name, result, ctypes.get_errno())
            print("personality-query", libc.personality(ctypes.c_ulong(0xFFFFFFFF)) >= 0)
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        let results = Dictionary(uniqueKeysWithValues: run.stdoutText.split(separator: "\n").map { line in
            let words = line.split(separator: " ", maxSplits: 1)
            return (String(words[0]), words.count > 1 ? String(words[1]) : "")
        })
        for name in ["clone-newuser", "clone-newnet", "mount", "keyctl", "bpf", "io_uring_setup",
                     "perf_event_open", "userfaultfd", "personality-no-aslr", "acct"] {
            #expect(results[name] == "-1 1", "\(name): \(results[name] ?? "missing") \(run.stderrText)")
        }
        #expect(results["clone3"] == "-1 38")
        #expect(results["personality-query"] == "True")
    }

    @Test func terminalInjectionIsDenied() async throws {
        let fixture = try ProductFixture.python("""
            import fcntl, termios, os
            for descriptor in (0, 1, 2):
                for request in (termios.TIOCSTI, 0x541C):
                    try:
                        fcntl.ioctl(descriptor, request, b"x")
                        print("injected")
                    except OSError as error:
                        print("denied", error.errno)
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        #expect(!run.stdoutText.contains("injected"))
        #expect(run.stdoutText.contains("denied 1"))
    }

    @Test func cannotSignalItsInitOrTheRegistry() async throws {
        let fixture = try ProductFixture.shell("""
            kill -9 1 2>&1 && echo "init signalled"
            kill -9 "$1" 2>&1 && echo "registry signalled"
            kill -9 -1 2>&1
            echo still-here
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(arguments: ["\(getpid())"])
        // Either the kill is refused or the product only ends itself; the test process is alive to check.
        #expect(!run.stdoutText.contains("registry signalled"))
        #expect(run.stopReason != .setupFailed)
        #expect(run.isolation.leftoverProcesses == 0)
    }

    @Test func daemonLeftAfterANormalExitIsKilled() async throws {
        let fixture = try ProductFixture.shell("""
            setsid sh -c 'sleep 1000' > /dev/null 2>&1 &
            nohup sleep 1000 > /dev/null 2>&1 &
            echo started
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        #expect(run.stopReason == .none)
        #expect(run.stdoutText.contains("started"))
        #expect(run.isolation.leftoverProcesses == 0)
        #expect(run.survivingProcesses.isEmpty)
    }

    @Test func daemonLeftAfterATimeoutIsKilled() async throws {
        let fixture = try ProductFixture.shell("""
            setsid sh -c 'trap "" TERM HUP; while true; do sleep 1; done' > /dev/null 2>&1 &
            sleep 1000
            """)
        defer { fixture.remove() }
        let run = try await fixture.run(seconds: 1)
        #expect(run.stopReason == .timedOut)
        #expect(run.isolation.leftoverProcesses == 0)
        #expect(run.survivingProcesses.isEmpty)
    }

    @Test func runsAsAnUnprivilegedUserWithoutCapabilities() async throws {
        let fixture = try ProductFixture.shell("""
            id -u
            grep -E '^(CapEff|CapPrm|NoNewPrivs|Seccomp):' /proc/self/status
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        let lines = run.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.first == "\(run.isolation.uid)")
        #expect(run.isolation.uid != 0 || getuid() != 0)
        #expect(lines.contains { $0.hasPrefix("CapEff:") && $0.hasSuffix("0000000000000000") })
        #expect(lines.contains { $0.hasPrefix("NoNewPrivs:") && $0.hasSuffix("1") })
        #expect(lines.contains { $0.hasPrefix("Seccomp:") && $0.hasSuffix("2") })
    }
}
