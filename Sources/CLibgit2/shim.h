#ifndef CLIBGIT2_SHIM_H
#define CLIBGIT2_SHIM_H
#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: this turns on fsync of every file libgit2
   writes in the git folder (objects, refs, the staging area), off by default, so that a commit and
   the branch moved to it survive a power loss, not only a killed process. */
static inline int registry_git_enable_fsync(void) {
    return git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
}
#endif
