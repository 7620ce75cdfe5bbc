# shellcheck shell=bash
# The bare bubblewrap command line the benchmarks compare the registry with: the mounts, namespaces
# and environment `Sandbox.bubblewrapOptions` gives a product (sourced, not run), so the sandbox
# bench and the check floor of Benchmarks/harness/bwrap_floor.sh measure one and the same floor.
#
# bare_bwrap_options PRODUCT INPUT OUTPUT  sets the array bare_bwrap_options for one run.
# bare_bwrap_user                          the prefix that drops to the products' uid (65534) when
#                                          run as root, as the registry does; empty otherwise.
bare_bwrap_options() {
  bare_bwrap_options=(--unshare-all --unshare-user --disable-userns --die-with-parent --new-session --cap-drop ALL
    --hostname sandbox --clearenv --setenv PATH /usr/local/bin:/usr/bin:/bin --setenv HOME /tmp
    --setenv LANG C.UTF-8 --setenv REGISTRY_INPUT /input --setenv REGISTRY_OUTPUT /output
    --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib --symlink usr/lib64 /lib64
    --ro-bind-try /etc/alternatives /etc/alternatives --ro-bind-try /etc/ld.so.cache /etc/ld.so.cache
    --proc /proc --dev /dev --size 67108864 --tmpfs /dev/shm --size 67108864 --tmpfs /tmp
    --ro-bind "$1" /product --ro-bind "$2" /input --bind "$3" /output
    --remount-ro / --chdir /product)
}
bare_bwrap_uid=65534
bare_bwrap_user=()
if [ "$(id -u)" = 0 ]; then bare_bwrap_user=(setpriv --reuid="$bare_bwrap_uid" --regid="$bare_bwrap_uid" --clear-groups); fi
