#define _GNU_SOURCE
#include "CLinuxCalls.h"
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

int registry_prctl(int option, unsigned long argument) { return prctl(option, argument, 0UL, 0UL, 0UL); }

int registry_pipe2(int ends[2], int flags) { return pipe2(ends, flags); }

/* Through syscall(2): glibc only declares pidfd_open from 2.36, and older hosts build this too. */
int registry_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int registry_unshare(int flags) { return unshare(flags); }

int registry_mount(const char *source, const char *target, unsigned long flags) {
    return mount(source, target, NULL, flags, NULL);
}

long registry_filesystem_type(const char *path) {
    struct statfs info;
    return statfs(path, &info) == 0 ? (long)info.f_type : -1;
}
