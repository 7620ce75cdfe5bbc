import Glibc

/// The classic-BPF seccomp program handed to bubblewrap with `--seccomp FD`.
///
/// Written here rather than with libseccomp so the registry has no extra C dependency and the
/// rules are readable in one place. Calls that could reach the kernel's namespace, mount, key,
/// BPF, io_uring or tracing machinery fail with `EPERM`; `clone3` fails with `ENOSYS` so libc
/// falls back to `clone`, whose flags can be inspected (clone3 passes them in memory).
package struct SeccompFilter: Sendable {
    /// One `struct sock_filter` instruction.
    package struct Instruction: Sendable, Equatable {
        package var code: UInt16
        package var jumpIfTrue: UInt8
        package var jumpIfFalse: UInt8
        package var constant: UInt32

        /// One instruction from its four fields.
        package init(code: UInt16, jumpIfTrue: UInt8, jumpIfFalse: UInt8, constant: UInt32) {
            self.code = code
            self.jumpIfTrue = jumpIfTrue
            self.jumpIfFalse = jumpIfFalse
            self.constant = constant
        }
    }

    /// The architectures the filter knows system call numbers for.
    package enum Architecture: String, Sendable, Codable {
        case x86_64
        case aarch64

        /// The architecture this registry binary was built for.
        package static var current: Architecture? {
            #if arch(x86_64)
            return .x86_64
            #elseif arch(arm64)
            return .aarch64
            #else
            return nil
            #endif
        }

        /// The `AUDIT_ARCH_*` value the kernel reports in `seccomp_data.arch`.
        package var auditArch: UInt32 {
            switch self {
            case .x86_64: 0xC000_003E
            case .aarch64: 0xC000_00B7
            }
        }
    }

    package let architecture: Architecture

    /// A filter for `architecture`.
    package init(architecture: Architecture) { self.architecture = architecture }

    /// The instructions, in order.
    package var instructions: [Instruction] {
        let table = SyscallTable(architecture)
        var program: [Instruction] = []
        program.append(load(offset: Offset.arch))
        program.append(jumpIfEqual(architecture.auditArch, skipIfTrue: 1, skipIfFalse: 0))
        program.append(ret(Action.killProcess))
        program.append(load(offset: Offset.number))
        if architecture == .x86_64 {
            // x32 system calls share the architecture value but carry this bit: refuse them all.
            program.append(Instruction(code: BPF.jumpGreaterOrEqual, jumpIfTrue: 0, jumpIfFalse: 1, constant: 0x4000_0000))
            program.append(ret(Action.errno(EPERM)))
        }
        for number in table.denied {
            program.append(jumpIfEqual(number, skipIfTrue: 0, skipIfFalse: 1))
            program.append(ret(Action.errno(EPERM)))
        }
        program.append(jumpIfEqual(table.clone3, skipIfTrue: 0, skipIfFalse: 1))
        program.append(ret(Action.errno(ENOSYS)))

        program.append(jumpIfEqual(table.clone, skipIfTrue: 0, skipIfFalse: 4))
        program.append(load(offset: Offset.argument(0)))
        program.append(Instruction(code: BPF.jumpSet, jumpIfTrue: 0, jumpIfFalse: 1, constant: CloneFlags.namespaces))
        program.append(ret(Action.errno(EPERM)))
        program.append(ret(Action.allow))

        program.append(jumpIfEqual(table.ioctl, skipIfTrue: 0, skipIfFalse: 5))
        program.append(load(offset: Offset.argument(1)))
        program.append(jumpIfEqual(0x5412, skipIfTrue: 2, skipIfFalse: 0))  // TIOCSTI
        program.append(jumpIfEqual(0x541C, skipIfTrue: 1, skipIfFalse: 0))  // TIOCLINUX
        program.append(ret(Action.allow))
        program.append(ret(Action.errno(EPERM)))

        program.append(jumpIfEqual(table.socket, skipIfTrue: 0, skipIfFalse: 4))
        program.append(load(offset: Offset.argument(0)))
        program.append(jumpIfEqual(UInt32(AF_UNIX), skipIfTrue: 0, skipIfFalse: 1))
        program.append(ret(Action.allow))
        program.append(ret(Action.errno(EPERM)))

        // Querying (0xffffffff) and the plain Linux personalities stay allowed; switching off
        // address-space randomisation or other quirks does not.
        program.append(jumpIfEqual(table.personality, skipIfTrue: 0, skipIfFalse: 6))
        program.append(load(offset: Offset.argument(0)))
        program.append(jumpIfEqual(0, skipIfTrue: 3, skipIfFalse: 0))
        program.append(jumpIfEqual(8, skipIfTrue: 2, skipIfFalse: 0))
        program.append(jumpIfEqual(0xFFFF_FFFF, skipIfTrue: 1, skipIfFalse: 0))
        program.append(ret(Action.errno(EPERM)))
        program.append(ret(Action.allow))

        program.append(ret(Action.allow))
        return program
    }

    /// The program as the bytes of a `struct sock_filter` array in host byte order.
    package var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(instructions.count * 8)
        for instruction in instructions {
            withUnsafeBytes(of: instruction.code) { out.append(contentsOf: $0) }
            out.append(instruction.jumpIfTrue)
            out.append(instruction.jumpIfFalse)
            withUnsafeBytes(of: instruction.constant) { out.append(contentsOf: $0) }
        }
        return out
    }

    private func load(offset: UInt32) -> Instruction {
        Instruction(code: BPF.loadWordAbsolute, jumpIfTrue: 0, jumpIfFalse: 0, constant: offset)
    }

    private func jumpIfEqual(_ value: UInt32, skipIfTrue: UInt8, skipIfFalse: UInt8) -> Instruction {
        Instruction(code: BPF.jumpEqual, jumpIfTrue: skipIfTrue, jumpIfFalse: skipIfFalse, constant: value)
    }

    private func ret(_ action: UInt32) -> Instruction {
        Instruction(code: BPF.returnConstant, jumpIfTrue: 0, jumpIfFalse: 0, constant: action)
    }
}

private enum BPF {
    static let loadWordAbsolute: UInt16 = 0x20   // BPF_LD | BPF_W | BPF_ABS
    static let jumpEqual: UInt16 = 0x15          // BPF_JMP | BPF_JEQ | BPF_K
    static let jumpGreaterOrEqual: UInt16 = 0x35 // BPF_JMP | BPF_JGE | BPF_K
    static let jumpSet: UInt16 = 0x45            // BPF_JMP | BPF_JSET | BPF_K
    static let returnConstant: UInt16 = 0x06     // BPF_RET | BPF_K
}

private enum Action {
    static let allow: UInt32 = 0x7FFF_0000
    static let killProcess: UInt32 = 0x8000_0000
    static func errno(_ code: Int32) -> UInt32 { 0x0005_0000 | (UInt32(code) & 0xFFFF) }
}

/// Offsets into `struct seccomp_data`; argument words are read as their low 32 bits (little endian).
private enum Offset {
    static let number: UInt32 = 0
    static let arch: UInt32 = 4
    static func argument(_ index: UInt32) -> UInt32 { 16 + 8 * index }
}

private enum CloneFlags {
    /// CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME.
    static let namespaces: UInt32 = 0x0002_0000 | 0x0200_0000 | 0x0400_0000 | 0x0800_0000
        | 0x1000_0000 | 0x2000_0000 | 0x4000_0000 | 0x0000_0080
}

/// System call numbers per architecture (x86_64 has its own table; aarch64 uses the generic one).
private struct SyscallTable {
    let denied: [UInt32]
    let clone: UInt32
    let clone3: UInt32 = 435
    let ioctl: UInt32
    let socket: UInt32
    let personality: UInt32

    init(_ architecture: SeccompFilter.Architecture) {
        // Calls introduced after the split (mount API, io_uring, pidfd) share numbers on both.
        let common: [UInt32] = [
            428, 429, 430, 431, 432, 433, 442,  // open_tree, move_mount, fsopen, fsconfig, fsmount, fspick, mount_setattr
            425, 426, 427,                      // io_uring_setup, io_uring_enter, io_uring_register
            438,                                // pidfd_getfd
        ]
        switch architecture {
        case .x86_64:
            denied = common + [
                101,            // ptrace
                165, 166, 155,  // mount, umount2, pivot_root
                161,            // chroot
                272, 308,       // unshare, setns
                250, 248, 249,  // keyctl, add_key, request_key
                321,            // bpf
                298,            // perf_event_open
                323,            // userfaultfd
                246, 320,       // kexec_load, kexec_file_load
                175, 313, 176,  // init_module, finit_module, delete_module
                163, 167, 168,  // acct, swapon, swapoff
                169,            // reboot
                303, 304,       // name_to_handle_at, open_by_handle_at
                310, 311,       // process_vm_readv, process_vm_writev
                164, 227, 159, 305,  // settimeofday, clock_settime, adjtimex, clock_adjtime
                103,            // syslog
                179,            // quotactl
                153,            // vhangup
                172, 173,       // iopl, ioperm
                134,            // uselib
                170, 171,       // sethostname, setdomainname
                212,            // lookup_dcookie
                300,            // fanotify_init
            ]
            clone = 56
            ioctl = 16
            socket = 41
            personality = 135
        case .aarch64:
            denied = common + [
                117,            // ptrace
                40, 39, 41,     // mount, umount2, pivot_root
                51,             // chroot
                97, 268,        // unshare, setns
                219, 217, 218,  // keyctl, add_key, request_key
                280,            // bpf
                241,            // perf_event_open
                282,            // userfaultfd
                104, 294,       // kexec_load, kexec_file_load
                105, 273, 106,  // init_module, finit_module, delete_module
                89, 224, 225,   // acct, swapon, swapoff
                142,            // reboot
                264, 265,       // name_to_handle_at, open_by_handle_at
                270, 271,       // process_vm_readv, process_vm_writev
                170, 112, 171, 266,  // settimeofday, clock_settime, adjtimex, clock_adjtime
                116,            // syslog
                60,             // quotactl
                58,             // vhangup
                161, 162,       // sethostname, setdomainname
                18,             // lookup_dcookie
                262,            // fanotify_init
            ]
            clone = 220
            ioctl = 29
            socket = 198
            personality = 92
        }
    }
}
