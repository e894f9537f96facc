#!/usr/bin/env bash
# Builds Pith's kernel: Linux 6.1 from Debian's linux-source-6.1, configured as
# `make ARCH=x86_64 tinyconfig` + pith.config, and checks that olddefconfig kept every value the
# fragment asks for. Writes bzImage, kernel.config and kernel.properties (the manifest) to OUT.
#
# A finished build is cached under $PITH_CACHE_DIR (else $XDG_CACHE_HOME/pith, else ~/.cache/pith)
# in kernel/<key>/, where key hashes everything that decides the bytes: the fragment's option
# lines, this script, the source package's version and the compiler and linker. A cache hit
# skips make.
#
# usage: build.sh FRAGMENT WORK_DIR OUT_DIR
#   WORK_DIR  where the source tree is unpacked and built (Maven: target/kernel-build)
#   OUT_DIR   where the results go (Maven: target/kernel)
# environment:
#   PITH_KERNEL_SOURCE   the source tarball (default /usr/src/linux-source-6.1.tar.xz, from
#                        Debian's linux-source-6.1, which this script installs when it is missing)
#   PITH_KERNEL_JOBS     make's -j (default: nproc)
#   PITH_KERNEL_NO_CACHE set to 1 to build even when the cache has this kernel (and refresh it)
set -euo pipefail

readonly SOURCE_PACKAGE=linux-source-6.1
readonly DEFAULT_TARBALL=/usr/src/linux-source-6.1.tar.xz
# Pinned so that the same inputs give the same bzImage (Documentation/kbuild/reproducible-builds.rst).
# The timestamp is the one /proc/version and uname -v show; the version replaces the build counter.
export KBUILD_BUILD_TIMESTAMP='1970-01-01 00:00:00 UTC'
export KBUILD_BUILD_USER=pith
export KBUILD_BUILD_HOST=pith
export KBUILD_BUILD_VERSION=1
export LC_ALL=C TZ=UTC
# Kbuild reads these from the environment; a stray one would change the kernel or where it goes.
unset KBUILD_OUTPUT KCFLAGS KCPPFLAGS KAFLAGS KRUSTFLAGS CROSS_COMPILE LOCALVERSION KCONFIG_CONFIG
readonly MAKE_FLAGS=(ARCH=x86_64)

die() {
    echo "pith kernel: $*" >&2
    exit 1
}

[[ $# -eq 3 ]] || die "usage: build.sh FRAGMENT WORK_DIR OUT_DIR"
fragment=$(realpath "$1")
work=$(realpath -m "$2")
out=$(realpath -m "$3")
[[ -f $fragment ]] || die "fragment $fragment does not exist"
script=$(realpath "${BASH_SOURCE[0]}")
tarball=${PITH_KERNEL_SOURCE:-$DEFAULT_TARBALL}
jobs=${PITH_KERNEL_JOBS:-$(nproc)}

# Installs Debian packages when this runs as root on a machine with apt-get; returns 1 otherwise.
apt_install() {
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null || return 1
    echo "pith kernel: installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    fi
}

# ---- Tools: installed as root, else fail with the Debian packages to install rather than halfway through make.
missing_tools() {
    missing=()
    for tool in make:make gcc:gcc ld:binutils bc:bc bison:bison flex:flex perl:perl xz:xz-utils lz4:lz4 \
                tar:tar sha256sum:coreutils; do
        command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
    done
    # objtool (CONFIG_OBJTOOL, forced on x86_64) includes libelf's gelf.h.
    [[ -f /usr/include/gelf.h ]] || missing+=(libelf-dev)
}
missing_tools
if ((${#missing[@]})) && apt_install "${missing[@]}"; then
    missing_tools
fi
if ((${#missing[@]})); then
    die "missing build tools; install them with: apt-get install ${missing[*]} (the full list: build-essential bc bison flex libelf-dev lz4 xz-utils)"
fi

# ---- Source: Debian's linux-source-6.1, installed with apt-get when the tarball is absent.
if [[ ! -f $tarball ]]; then
    if [[ $tarball != "$DEFAULT_TARBALL" ]]; then
        die "PITH_KERNEL_SOURCE=$tarball does not exist"
    fi
    echo "pith kernel: $tarball is missing"
    apt_install "$SOURCE_PACKAGE" ||
        die "$tarball is missing: install it with 'apt-get install $SOURCE_PACKAGE' as root (Debian 12), or point PITH_KERNEL_SOURCE at a linux-6.1 tarball"
    [[ -f $tarball ]] || die "apt-get installed $SOURCE_PACKAGE but $tarball is still missing"
fi
# The package's version names the source; a tarball from elsewhere is named by its hash.
package_version=$(dpkg-query -W -f='${Version}' "$SOURCE_PACKAGE" 2>/dev/null || true)
if [[ $tarball == "$DEFAULT_TARBALL" && -n $package_version ]]; then
    source_version="$SOURCE_PACKAGE $package_version"
else
    source_version="$(basename "$tarball") sha256:$(sha256sum "$tarball" | cut -c1-64)"
fi

# ---- The cache key: every input that decides the bytes of bzImage.
# Only the option lines count: editing a comment of the fragment does not rebuild the kernel.
options_of() { grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set$)' "$1" || true; }
fragment_sha=$(options_of "$fragment" | sha256sum | cut -c1-64)
script_sha=$(sha256sum "$script" | cut -c1-64)
compiler=$(gcc --version | head -1)
linker=$(ld --version | head -1)
key=$(printf '%s\n' "fragment $fragment_sha" "script $script_sha" "source $source_version" \
      "cc $compiler" "ld $linker" "make ${MAKE_FLAGS[*]}" | sha256sum | cut -c1-16)
cache_root=${PITH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pith}
cache=$cache_root/kernel/$key

publish() { # copies a finished build from $1 to $out
    mkdir -p "$out"
    cp "$1/bzImage" "$1/kernel.config" "$1/kernel.properties" "$out/"
}

if [[ ${PITH_KERNEL_NO_CACHE:-0} != 1 && -f $cache/bzImage && -f $cache/kernel.properties ]]; then
    publish "$cache"
    echo "pith kernel: cached build $cache ($(stat -c %s "$out/bzImage") bytes); make skipped"
    exit 0
fi

# ---- Unpack a clean tree. In-tree build (no O=): srctree is ".", so no absolute path of this
# machine reaches the objects, and a build elsewhere gives the same bytes.
mkdir -p "$work"
src=$work/$SOURCE_PACKAGE
log=$work/make.log
rm -rf "$src"
echo "pith kernel: unpacking $tarball ($source_version)"
tar -xf "$tarball" -C "$work"
[[ -f $src/Makefile ]] || die "$tarball did not unpack to $src"
cd "$src"
: >"$log"

run_make() {
    if ! make "${MAKE_FLAGS[@]}" "$@" >>"$log" 2>&1; then
        tail -n 60 "$log" >&2
        die "make $* failed; the whole log is $log"
    fi
}

# ---- Configure: tinyconfig, the fragment merged over it, olddefconfig to settle dependencies.
run_make tinyconfig
scripts/kconfig/merge_config.sh -m .config "$fragment" >>"$log" 2>&1 || die "merge_config.sh failed; see $log"
run_make olddefconfig

# ---- Check: every option the fragment sets must have the value it asks for.
kconfig_definition() { # where Kconfig defines $1, what it depends on, and what selects it
    local symbol=$1 file
    grep -rl --include='Kconfig*' -E "^(menu)?config $symbol\$" . 2>/dev/null | while read -r file; do
        awk -v s="$symbol" -v f="${file#./}" '
            $0 ~ "^(menu)?config " s "$" { on = 1; printf "      %s: %s\n", f, $0; next }
            on && /^(menu)?config |^end|^choice|^if |^source|^menu |^comment/ { on = 0 }
            on && /^[ \t]+(depends on|select|default)/ { sub(/^[ \t]+/, ""); printf "        %s\n", $0 }' "$file"
    done || true # grep finds nothing: no such option in this tree
    grep -rl --include='Kconfig*' -E "^[[:space:]]+select $symbol([[:space:]]|\$)" . 2>/dev/null | while read -r file; do
        awk -v s="$symbol" -v f="${file#./}" '
            /^(menu)?config / { current = $2 }
            $0 ~ "^[ \t]+select " s "([ \t]|$)" { line = $0; sub(/^[ \t]+/, "", line)
                printf "      selected by CONFIG_%s (%s: %s)\n", current, f, line }' "$file"
    done || true # nothing selects it
    return 0
}
failures=0
while IFS= read -r line; do
    if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
        symbol=${BASH_REMATCH[1]} wanted=${BASH_REMATCH[2]}
    elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
        symbol=${BASH_REMATCH[1]} wanted=n
    else
        continue
    fi
    got=$(grep -E "^$symbol=" .config | cut -d= -f2- || true)
    [[ -z $got ]] && got=n # "is not set", or absent because its dependencies are not met
    if [[ $got != "$wanted" ]]; then
        ((failures += 1))
        echo "  $symbol: $(basename "$fragment") asks for $wanted, olddefconfig made it $got" >&2
        kconfig_definition "${symbol#CONFIG_}" >&2
    fi
done <"$fragment"
if ((failures)); then
    die "$failures option(s) of $(basename "$fragment") did not survive olddefconfig (listed above): fix their dependencies, or what selects them, in the fragment"
fi
echo "pith kernel: every option of $(basename "$fragment") survived olddefconfig"

# ---- Build.
echo "pith kernel: building with make -j$jobs (log: $log)"
start=$(date +%s)
run_make -j"$jobs" bzImage
seconds=$(($(date +%s) - start))
release=$(cat include/config/kernel.release)

# ---- Publish: stage in the cache, then move into place, so a half-written entry is never used.
stage=$(mktemp -d "$cache_root/kernel/.stage.XXXXXX" 2>/dev/null || { mkdir -p "$cache_root/kernel" && mktemp -d "$cache_root/kernel/.stage.XXXXXX"; })
cp arch/x86/boot/bzImage "$stage/bzImage"
cp .config "$stage/kernel.config"
cat >"$stage/kernel.properties" <<EOF
# Pith kernel manifest: what went into bzImage.
kernel.release=$release
source.package=$source_version
fragment.options.sha256=$fragment_sha
build.script.sha256=$script_sha
config.sha256=$(sha256sum .config | cut -c1-64)
bzImage.sha256=$(sha256sum arch/x86/boot/bzImage | cut -c1-64)
bzImage.bytes=$(stat -c %s arch/x86/boot/bzImage)
build.compiler=$compiler
build.linker=$linker
build.make=make ${MAKE_FLAGS[*]} tinyconfig; merge_config.sh -m .config pith.config; make ${MAKE_FLAGS[*]} olddefconfig; make ${MAKE_FLAGS[*]} bzImage
build.env=KBUILD_BUILD_TIMESTAMP=$KBUILD_BUILD_TIMESTAMP KBUILD_BUILD_USER=$KBUILD_BUILD_USER KBUILD_BUILD_HOST=$KBUILD_BUILD_HOST KBUILD_BUILD_VERSION=$KBUILD_BUILD_VERSION
cache.key=$key
EOF
rm -rf "$cache"
mv "$stage" "$cache"
publish "$cache"
echo "pith kernel: built $release in ${seconds} s with -j$jobs: $(stat -c %s "$out/bzImage") bytes, cached in $cache"
