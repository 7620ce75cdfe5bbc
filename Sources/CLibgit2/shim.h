#ifndef CLIBGIT2_SHIM_H
#define CLIBGIT2_SHIM_H
#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: this turns on fsync of every file libgit2
   writes in the git folder (objects, refs, the staging area), off by default, so that a commit and
   the branch moved to it survive a power loss, not only a killed process. */
static inline int registry_git_enable_fsync(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
}

/* libgit2 re-hashes every object it reads to check it against its id (on by default). git checks
   ids when objects arrive (index-pack) and in fsck, and git log's walk and tree diffs read objects
   without re-hashing them; this turns libgit2's check off to read as git log does. An index
   rebuild reads each commit's 1,000-entry Products tree, 518 MB at 1,000 products x 10 versions,
   and hashing them took 1.0 s of its 5.6 CPU s; zlib's checksum still catches damaged data on
   every read. */
static inline int registry_git_disable_read_hash_verification(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}
#endif
