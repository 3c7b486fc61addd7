# Shared by tools/app.sh and tools/test.sh: create .venv and install the package with an extra,
# only when something is missing: an existing, complete .venv works with no package index.
# Usage: source tools/env.sh EXTRA   (EXTRA is a pyproject extra: app or dev)
#   .venv/.installed-EXTRA holds the hash of pyproject.toml that the last install used; when it
#   differs (or is absent), tools/installed.py checks what is installed against pyproject.toml,
#   and pip runs only if something is missing or too old. SAFESPACES_REINSTALL=1 forces pip.
#   Then `safespaces warmup` compiles the network kernels into numba's cache if they changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.installed-$1
want=$(.venv/bin/python -c 'import hashlib, sys
print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest(), sys.argv[1])' "$1")
missing=forced
if [ "${SAFESPACES_REINSTALL:-0}" = 1 ] || { [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] &&
  ! missing=$(.venv/bin/python tools/installed.py "$1" 2>&1); }; then
  pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
  if ! { "${pip[@]}" --upgrade pip && "${pip[@]}" -e ".[$1]"; }; then
    echo "tools/env.sh: error: pip could not install .[$1] into .venv (${missing#installed: })." \
      "Fix: reach a package index (PyPI, or your mirror in PIP_INDEX_URL) and run again" >&2
    exit 1
  fi
  rm -f .venv/.warm
fi
echo "$want" >"$stamp"
# Compile the network kernels (safespaces/shortest_paths.py) into numba's cache now, not in the
# first run or the app's first map (~7 s once): after pip, or when the kernels' file or their
# cache files changed. .venv/.warm holds what the last warm-up saw (a warm check costs no Python).
warm_stamp() {
  echo "$(stat -c '%s %Y' safespaces/shortest_paths.py) ${NUMBA_CACHE_DIR:-}" \
    "$(ls safespaces/__pycache__ 2>/dev/null | grep '^shortest_paths\..*\.nbi$' | tr '\n' ' ' || true)"
}
if [ "$(cat .venv/.warm 2>/dev/null)" != "$(warm_stamp)" ]; then
  if .venv/bin/python -m safespaces warmup; then
    warm_stamp >.venv/.warm
  else
    echo "tools/env.sh: warning: could not compile the network kernels ahead;" \
      "the first run compiles them (a few seconds)" >&2
  fi
fi
export PATH="$PWD/.venv/bin:$PATH"
