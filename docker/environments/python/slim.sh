#!/bin/sh
# Deletes what a student image never uses. Runs as root in a build stage:
#   slim.sh               the whole tree (python's Dockerfile.offline, before flattening)
#   slim.sh --newer FILE  only what was installed after FILE was touched (images that build on
#                         the python image: removing its files there would only add whiteouts)
# Every path here was measured (docker/environments/README.md) and is covered by the smoke test.
set -eu
py=/usr/lib/python3/dist-packages
newer=""
if [ "${1:-}" = "--newer" ]; then
  newer="-newer ${2:?slim.sh --newer needs a marker file}"
fi

# Bytecode Debian's postinst compiled for every module; warm.py recompiles only the used ones.
# shellcheck disable=SC2086
find / -xdev $newer -name __pycache__ -type d -prune -exec rm -rf {} +
# Test suites shipped inside packages (pandas alone carries tens of MB). Only directories named
# exactly "tests": IPython.testing and numpy.testing are imported at run time.
# shellcheck disable=SC2086
find "$py" $newer -type d -name tests -prune -exec rm -rf {} +
# Docs, man pages, locales and caches that dpkg's path excludes did not catch.
rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/* /usr/share/lintian \
       /var/cache/debconf/*-old /var/lib/apt/lists/* /var/cache/apt/* \
       /var/log/apt/* /var/log/*.log /root/.cache
find /usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
find /usr/share/doc -mindepth 1 -type d -empty -delete 2>/dev/null || true

[ -n "$newer" ] && exit 0

# MathJax (54 MB installed). Notebook 6 loads config/TeX-AMS-MML_HTMLorMML-full.js with the
# HTML-CSS output and the STIX-Web web fonts (notebook/static/base/js/mathjaxutils.js). The
# unminified copy, test pages, other combined configs, the SVG output's fonts and the metrics of
# font families nobody selects are never requested.
mj=/usr/share/javascript/mathjax
rm -rf "$mj/unpacked" "$mj/test" "$mj/jax/output/SVG/fonts"
find "$mj/config" -maxdepth 1 -type f ! -name 'TeX-AMS-MML_HTMLorMML*' ! -name Safe.js ! -name default.js -delete
for family in Asana-Math Gyre-Pagella Gyre-Termes Latin-Modern Neo-Euler; do
  rm -rf "$mj/jax/output/HTML-CSS/fonts/$family"
done
# Source maps of the Notebook front end: only useful with the browser's debugger open.
find "$py/notebook/static" -name '*.map' -delete
rm -rf /tmp/* /tmp/.[!.]* 2>/dev/null || true
