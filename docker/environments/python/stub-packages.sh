#!/bin/sh
# Registers empty Debian packages under the given names, so apt considers those dependencies
# met without installing them. NAME=VERSION pins the stub's version, for a dependency that
# demands an exact one (python3-torch wants libtorch-test of its own version). Only for
# build-time or debugger dependencies that a student server never loads; each name is justified
# where it is passed (Dockerfile.offline).
# dpkg keeps a consistent database, so later `apt-get install` steps (the pytorch image builds
# on this one) still work.
set -eu
work=$(mktemp -d)
names=""
for spec in "$@"; do
  name=${spec%%=*}
  version=999:0+aula.stub
  [ "$name" != "$spec" ] && version=${spec#*=}
  names="$names $name"
  mkdir -p "$work/$name/DEBIAN"
  cat > "$work/$name/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: all
Maintainer: Aula <root@localhost>
Priority: optional
Section: oldlibs
Description: Aula stub for $name
 Satisfies a dependency that Aula student images never use at run time.
CONTROL
  dpkg-deb --build --root-owner-group "$work/$name" "$work/$name.deb" >/dev/null
done
dpkg -i "$work"/*.deb
# shellcheck disable=SC2086
apt-mark hold $names >/dev/null
rm -rf "$work"
