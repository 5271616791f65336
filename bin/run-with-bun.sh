# Sourced by the sh part of each bin (bin/*.ts) when /bin/sh started it: no
# install step pointed the bin's first line at a Bun (scripts/postinstall.mjs
# does that where npm runs install scripts), so find one and exec it on the
# bin. exec: the caller's process becomes Bun (same pid, signals, wait
# status, descriptors, stdin; argv byte for byte). What the shell itself does
# to the environment on the way (it exports PWD, set to the working directory
# when the caller's PWD is missing or wrong, and drops entries whose names are
# not shell identifiers) is described in the README; the postinstall path has
# no shell. Only dtee_* shell variables are set here, never exported, and the
# working directory is not changed, so nothing else reaches Bun's environment.
#
# $dtee_self is the bin's path (PKG/bin/NAME.ts). Bun comes from the `bun`
# dependency, found as Node finds packages (PKG/node_modules, then each
# parent directory's node_modules), in this order at each level:
# 1. bun/bin/bun.exe once Bun's postinstall has put the binary there (it
#    links bunx.exe to the same file; before that both are small
#    placeholder scripts that only print an error);
# 2. the binary of Bun's platform package, @oven/bun-OS-ARCH[-musl]/bin/bun,
#    which npm installs even when it runs no install scripts (Bun's
#    postinstall moves it to bun.exe);
# then 3. `bun` on PATH, unless that is the placeholder.
case $dtee_self in
  /*) ;;
  *) dtee_self=$PWD/$dtee_self ;;
esac
dtee_placeholder=
dtee_musl=
for dtee_f in /lib/ld-musl-*; do [ -e "$dtee_f" ] && dtee_musl=-musl; done
dtee_dir=${dtee_self%/bin/*}
while [ -n "$dtee_dir" ]; do
  dtee_nm=$dtee_dir/node_modules
  if [ -d "$dtee_nm/bun" ]; then
    if [ -x "$dtee_nm/bun/bin/bun.exe" ] && [ "$dtee_nm/bun/bin/bun.exe" -ef "$dtee_nm/bun/bin/bunx.exe" ]; then
      exec "$dtee_nm/bun/bin/bun.exe" "$dtee_self" "$@"
    fi
    dtee_placeholder=$dtee_nm/bun/bin/bun.exe
    # Next to bun (bun/.. is its real parent also where bun is a link, as pnpm
    # makes it), or inside it.
    for dtee_f in "$dtee_nm"/bun/../@oven/bun-*"$dtee_musl"/bin/bun "$dtee_nm"/bun/../@oven/bun-*/bin/bun \
      "$dtee_nm"/bun/node_modules/@oven/bun-*"$dtee_musl"/bin/bun "$dtee_nm"/bun/node_modules/@oven/bun-*/bin/bun; do
      if [ -x "$dtee_f" ]; then
        exec "$dtee_f" "$dtee_self" "$@"
      fi
    done
  fi
  dtee_dir=${dtee_dir%/*}
done
dtee_path=$PATH:
while [ -n "$dtee_path" ]; do
  dtee_f=${dtee_path%%:*}
  dtee_path=${dtee_path#*:}
  dtee_f=${dtee_f:-.}/bun
  if [ -f "$dtee_f" ] && [ -x "$dtee_f" ] && ! [ "$dtee_f" -ef "$dtee_placeholder" ]; then
    exec "$dtee_f" "$dtee_self" "$@"
  fi
done
printf '%s: cannot find Bun; install with install scripts allowed (npm install --allow-scripts=dtee,bun), or install Bun from https://bun.sh\n' "${0##*/}" >&2
exit 127
