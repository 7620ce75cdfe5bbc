import Foundation
@testable import Sandbox
import SandboxLaunch
import RegistrySupport
import Testing
import TestSupport

/// Products that do their job: their outputs are collected and the run says how it was isolated.
@Suite(.serialized)
struct WellBehavedProductTests {
    @Test func pythonProductReadsInputAndItsOutputIsCollected() async throws {
        let fixture = try ProductFixture.python("""
            import csv, os
            with open(os.path.join(os.environ["REGISTRY_INPUT"], "stops.csv")) as source:
                rows = list(csv.DictReader(source))
            with open(os.path.join(os.environ["REGISTRY_OUTPUT"], "counts.csv"), "w") as target:
                target.write("district,count\\n")
                for district in sorted({row["district"] for row in rows}):
                    target.write(f"{district},{sum(1 for row in rows if row['district'] == district)}\\n")
            print("rows", len(rows))
            """, inputs: ["stops.csv": "district,hour\nnorth,1\nsouth,2\nnorth,3\n"])
        defer { fixture.remove() }
        let run = try await fixture.run(outputs: ["counts.csv"])
        let expected = "district,count\nnorth,2\nsouth,1\n"
        #expect(run.stopReason == .none, "\(run.explanation) \(run.stderrText)")
        #expect(run.succeeded)
        #expect(run.exitStatus == 0)
        #expect(run.stdoutText == "rows 3\n")
        let output = try #require(run.outputs.first)
        #expect(output.name == "counts.csv")
        #expect(output.sha256 == SHA256Hex.of(expected))
        #expect(output.size == UInt64(expected.utf8.count))
        #expect(output.url == fixture.collection.appendingPathComponent("counts.csv"))
        #expect(try String(contentsOf: output.url, encoding: .utf8) == expected)
        #expect(run.rejectedOutputs.isEmpty && run.missingOutputs.isEmpty)
        #expect(run.peakMemoryBytes > 1 << 20)
        #expect(run.durationSeconds > 0)
    }

    @Test func onlyTheAllowedEnvironmentIsVisible() async throws {
        let fixture = try ProductFixture.python("""
            import os
            for key in sorted(os.environ):
                print(f"{key}={os.environ[key]}")
            """)
        defer { fixture.remove() }
        let run = try await fixture.run()
        // bubblewrap always sets PWD after --chdir; it names the working folder and nothing else.
        #expect(run.stdoutText == """
            HOME=/tmp
            LANG=C.UTF-8
            PATH=/usr/local/bin:/usr/bin:/bin
            PWD=/product
            REGISTRY_INPUT=/input
            REGISTRY_OUTPUT=/output

            """)
    }

    @Test func anEnvironmentBelowAClosedFolderIsMountedReadOnlyAtEnvAndOnlyInsideTheRun() async throws {
        let fixture = try ProductFixture.shell("""
            sleep 1
            cat /env/lib/marker.txt
            echo changed > /env/lib/marker.txt 2>/dev/null && echo "wrote the environment"
            echo "PATH=$PATH"
            """)
        defer { fixture.remove() }
        // The fixture's scratch folder is 0700, as `mktemp -d` makes a clone's; the environment
        // inside is open to all, as `env build` leaves it.
        let environment = fixture.scratch.url.appendingPathComponent("envs/0123abcd", isDirectory: true)
        try writeFile("from the environment\n", to: "lib/marker.txt", in: environment)
        for folder in ["envs", "envs/0123abcd", "envs/0123abcd/lib"] { chmod(fixture.scratch.url.appendingPathComponent(folder).path, 0o755) }
        #expect(try FileManager.default.attributesOfItem(atPath: fixture.scratch.url.path)[.posixPermissions] as? Int == 0o700)
        async let running = fixture.run(seconds: 10, environment: environment)
        // As root the launcher binds the environment into the run's stage in a mount namespace of
        // the run's own; the host never sees that mount, during the run or after it.
        var seenOnHost = false
        for _ in 0..<20 {
            seenOnHost = seenOnHost || LinuxSystem.text(of: "/proc/self/mountinfo").contains(RunStage.prefix)
            try await Task.sleep(for: .milliseconds(50))
        }
        let run = try await running
        #expect(run.stopReason == .none, "\(run.explanation) \(run.stderrText)")
        #expect(run.stdoutText == "from the environment\nPATH=/env/bin:/usr/local/bin:/usr/bin:/bin\n", "\(run.stderrText)")
        #expect(try String(contentsOf: environment.appendingPathComponent("lib/marker.txt"), encoding: .utf8) == "from the environment\n")
        #expect(!seenOnHost)
        #expect(!LinuxSystem.text(of: "/proc/self/mountinfo").contains(RunStage.prefix))
    }

    @Test func isolationIsRecordedInTheRun() async throws {
        let fixture = try ProductFixture.shell("true\n")
        defer { fixture.remove() }
        let run = try await fixture.run()
        let capabilities = try SandboxHost.detect()
        #expect(run.isolation.bubblewrapVersion == capabilities.bubblewrapVersion)
        #expect(run.isolation.userNamespace)
        #expect(run.isolation.seccompArchitecture == capabilities.seccompArchitecture)
        #expect(run.isolation.cgroupBackend == capabilities.cgroupBackend)
        #expect(run.isolation.rlimits["RLIMIT_CORE"] == 0)
        #expect(run.isolation.rlimits["RLIMIT_FSIZE"] == ProductFixture.smallLimits.outputBytes)
        #expect(run.isolation.rlimits["RLIMIT_NOFILE"] == ProductFixture.smallLimits.openFiles)
        let record = try CanonicalJSON.encode(run)
        #expect(try JSONDecoder().decode(SandboxRun.self, from: record) == run)
    }

    @Test func nonZeroExitIsReportedWithItsStatus() async throws {
        let fixture = try ProductFixture.shell("echo 'bad input' >&2\nexit 3\n")
        defer { fixture.remove() }
        let run = try await fixture.run(outputs: ["result.csv"])
        #expect(run.stopReason == .nonZeroExit)
        #expect(run.exitStatus == 3)
        #expect(run.explanation.contains("status 3"))
        #expect(run.stderrText == "bad input\n")
        #expect(run.missingOutputs == ["result.csv"])
    }

    @Test func executableInTheProductResolvesInsideProduct() async throws {
        let fixture = try ProductFixture(["bin/run": "#!/bin/sh\npwd\necho \"$0\"\n"], executable: ["bin/run"])
        defer { fixture.remove() }
        let run = try await fixture.run(["bin/run"])
        #expect(run.stdoutText == "/product\n/product/bin/run\n")
    }

    @Test func aLauncherThatNeverStartsBubblewrapIsASetupFailure() async throws {
        let fixture = try ProductFixture.shell("echo ran > /output/result.csv\n")
        defer { fixture.remove() }
        let profile = SandboxProfile(launcherExecutable: URL(fileURLWithPath: "/bin/true"),
                                     productDirectory: fixture.product, inputDirectory: fixture.input,
                                     collectionDirectory: fixture.collection, command: ["/bin/sh", "main.sh"],
                                     declaredOutputs: ["result.csv"], timeLimitSeconds: 2)
        let run = try await Sandbox.run(profile)
        #expect(run.stopReason == .setupFailed)
        #expect(run.explanation.contains("the product did not run"))
        #expect(run.outputs.isEmpty)
        #expect(!run.succeeded)
    }

    @Test func aCommandThatDoesNotExistIsASetupFailureNamingIt() async throws {
        let fixture = try ProductFixture.shell("true\n")
        defer { fixture.remove() }
        let run = try await fixture.run(["no-such-interpreter", "main.py"])
        #expect(run.stopReason == .setupFailed)
        #expect(run.explanation.contains("no-such-interpreter"), "\(run.explanation)")
    }

    @Test func aMissingLauncherIsAnEnvironmentError() async throws {
        let fixture = try ProductFixture.shell("true\n")
        defer { fixture.remove() }
        let missing = fixture.scratch.url.appendingPathComponent("registry")
        let profile = SandboxProfile(launcherExecutable: missing, productDirectory: fixture.product,
                                     inputDirectory: fixture.input, collectionDirectory: fixture.collection,
                                     command: ["/bin/sh", "main.sh"], declaredOutputs: [])
        await #expect(throws: SandboxError.launcherMissing(path: missing.path)) {
            try await Sandbox.run(profile)
        }
        #expect(SandboxError.launcherMissing(path: missing.path).category == .environment)
    }

    @Test func anInvalidDeclaredOutputNameIsRefusedBeforeRunning() async throws {
        let fixture = try ProductFixture.shell("true\n")
        defer { fixture.remove() }
        await #expect(throws: SandboxError.invalidProfile("the declared output '../escape.csv' is not a plain file name; name outputs without folders.")) {
            try await fixture.run(outputs: ["../escape.csv"])
        }
    }
}

/// Refusing to run when the host cannot sandbox.
struct SandboxHostTests {
    @Test func missingBubblewrapSaysHowToInstallIt() throws {
        let scratch = try makeTemporaryDirectory()
        defer { scratch.remove() }
        let missing = scratch.url.appendingPathComponent("bwrap").path
        #expect {
            try SandboxHost.detect(bubblewrapCandidates: [missing], kernelSettings: URL(fileURLWithPath: "/proc/sys"))
        } throws: { error in
            guard let error = error as? SandboxError else { return false }
            return error.category == .environment && error.message.contains("apt-get install bubblewrap")
                && error.message.contains(missing)
        }
    }

    @Test func disabledUserNamespacesSayWhichSysctlToSet() throws {
        let settings = try makeTemporaryDirectory()
        defer { settings.remove() }
        try writeFile("0\n", to: "user/max_user_namespaces", in: settings.url)
        #expect {
            try SandboxHost.detect(bubblewrapCandidates: SandboxHost.bubblewrapCandidates, kernelSettings: settings.url)
        } throws: { error in
            guard let error = error as? SandboxError else { return false }
            return error.category == .environment && error.message.contains("sysctl -w user.max_user_namespaces=")
        }
    }

    @Test func thisHostCanSandbox() throws {
        let capabilities = try SandboxHost.detect()
        #expect(capabilities.bubblewrapVersion.hasPrefix("bubblewrap"))
        #expect(FileManager.default.isExecutableFile(atPath: capabilities.bubblewrapPath))
    }

    @Test func seccompFilterChecksTheArchitectureFirst() throws {
        let filter = SeccompFilter(architecture: .x86_64)
        let program = filter.instructions
        #expect(program.first == SeccompFilter.Instruction(code: 0x20, jumpIfTrue: 0, jumpIfFalse: 0, constant: 4))
        #expect(program[1].constant == 0xC000_003E)
        #expect(program.last?.constant == 0x7FFF_0000)
        #expect(filter.bytes.count == program.count * 8)
        #expect(SeccompFilter(architecture: .aarch64).instructions[1].constant == 0xC000_00B7)
    }

    @Test func theLaunchPlanSurvivesTheLaunchersArguments() throws {
        let plan = LaunchPlan(bubblewrap: "/usr/bin/bwrap", options: ["--bind", "/a b", "/output", "command", "options"],
                              command: ["python3", "main.py", "--", "options", "3"],
                              identity: .init(uid: 70_001, gid: 70_001),
                              rlimits: [.cpu(10), .noCoreDumps], cgroups: ["/sys/fs/cgroup/pids/x"],
                              seccomp: .x86_64,
                              privateBind: .init(source: "/root/a b:c/.registry/envs/0123", target: "/tmp/registry-sandbox-x/env"))
        #expect(LaunchPlan(arguments: plan.arguments) == plan)
        var unprivileged = plan
        unprivileged.identity = nil
        unprivileged.cgroups = []
        unprivileged.options = []
        unprivileged.privateBind = nil
        #expect(LaunchPlan(arguments: unprivileged.arguments) == unprivileged)
        // Cut short, a wrong count or an unknown word: never a plan with a step missing.
        #expect(LaunchPlan(arguments: plan.arguments.dropLast(plan.command.count)) == nil)
        #expect(LaunchPlan(arguments: ["bubblewrap", "/usr/bin/bwrap", "seccomp", "x86_64", "options", "9", "--bind", "command", "true"]) == nil)
        #expect(LaunchPlan(arguments: ["bubblewrap", "/usr/bin/bwrap", "seccomp", "x86_64", "rlimits", "x", "options", "0", "command", "true"]) == nil)
        #expect(LaunchPlan(arguments: ["seccomp", "x86_64", "options", "0", "command", "true"]) == nil)
        #expect(LaunchPlan(arguments: ["bubblewrap", "/usr/bin/bwrap", "seccomp", "x86_64", "private-bind-source", "/e",
                                       "options", "0", "command", "true"]) == nil, "a bind without its target")
    }

    @Test func theLauncherIsSmallAndStartedByHandItOnlyExplains() throws {
        // A static executable: no shared library at all, so starting it costs no dynamic loading.
        let libraries = try runProcess("/usr/bin/ldd", [launcherExecutable.path], in: packageRoot)
        #expect(libraries.status == 1, "\(libraries.stdout)")
        #expect((libraries.stdout + libraries.stderr).contains("not a dynamic executable"), "\(libraries.stdout)")
        let byHand = try runProcess(launcherExecutable.path, [], in: packageRoot)
        #expect(byHand.status == 2)
        #expect(byHand.stderr == "registry-launcher starts product runs for the registry and is not run by hand; use `registry run`.\n")
    }

    @Test func theLauncherReportsWhatFailedOnTheStatusDescriptorAndStartsNothing() throws {
        // fd 3 is the status pipe (here standard output); fd 4 a lifeline whose writer stays alive.
        // Not exec'd: a process group leader could not start the launcher's own session.
        let script = "\"$@\" 3>&1 4< <(exec sleep 5 2>/dev/null 3>&-)"
        let architecture = try #require(SeccompFilter.Architecture.current)
        let plan = LaunchPlan(bubblewrap: "/no \"such\"\nbwrap", options: [], command: ["true"], identity: nil,
                              rlimits: [.cpu(1)], cgroups: [], seccomp: architecture)
        let failed = try runProcess("/bin/bash", ["-c", script, "bash", launcherExecutable.path, SandboxLauncher.marker] + plan.arguments)
        #expect(failed.status == 127)
        let report = try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: String]
        #expect(report?["launch-error"] == "exec /no \"such\"\nbwrap: No such file or directory", "\(failed.stdout)")
        let broken = try runProcess("/bin/bash", ["-c", script, "bash", launcherExecutable.path, SandboxLauncher.marker, "bogus"])
        #expect(broken.status == 127)
        #expect(broken.stdout == "{\"launch-error\":\"the launch plan could not be read\"}\n")
    }
}
