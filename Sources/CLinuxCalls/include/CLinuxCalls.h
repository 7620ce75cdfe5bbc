#ifndef CLINUXCALLS_H
#define CLINUXCALLS_H

/* Linux calls Swift cannot import (variadic, or GNU extensions its Glibc module leaves out),
   linked directly rather than looked up through the dynamic loader: the launcher is a static
   executable, where there is no loader to find them. Each returns what the call returns and
   leaves errno set. Nothing here includes a system header, so the module declares no C type
   that would clash with the same type from Glibc. */

/* prctl(2) with one argument. */
int registry_prctl(int option, unsigned long argument);
/* pipe2(2): both ends with `flags` applied atomically. */
int registry_pipe2(int ends[2], int flags);
/* pidfd_open(2): a descriptor that turns readable when `pid` ends (Linux 5.3 and later). */
int registry_pidfd_open(int pid);
/* unshare(2). */
int registry_unshare(int flags);
/* mount(2) without a file system type or data (binds and propagation changes). */
int registry_mount(const char *source, const char *target, unsigned long flags);
/* statfs(2)'s f_type: the file system's magic number, or -1 with errno set. */
long registry_filesystem_type(const char *path);
#endif
