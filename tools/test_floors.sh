#!/usr/bin/env bash
# The lowest supported versions: install exactly the floors of pyproject.toml (the lock
# tools/floors.txt: core + test + download extras, Python 3.11, Linux x86_64) into a fresh
# .venv-floors and run the core tests there, i.e. all but the real-browser, QGIS and dask tests
# (Chromium, PyQGIS and the distributed extra are not part of the floors), the wheel test (it
# installs the newest releases into a venv of its own, not the floors) and two slow files
# (below; FLOORS_FULL=1 runs them too). Fails on any error.
#   bash tools/test_floors.sh [pytest args]   install and test (.ci/run runs this)
#   bash tools/test_floors.sh --lock          rewrite tools/floors.txt after a floor changed
#                                             (uv's lowest-direct resolution; needs PyPI)
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=tools/floors.txt
VENV=.venv-floors
is311() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; }
PYTHON=${PYTHON:-python3}  # the interpreter tools/env.sh uses, if it is 3.11
if ! is311 "$PYTHON" && [ "$PYTHON" = python3 ] && command -v python3.11 >/dev/null; then
  PYTHON=python3.11
fi
if ! is311 "$PYTHON"; then
  echo "test_floors: error: needs Python 3.11 (the floor of requires-python; the lock is for" \
    "3.11), got $("$PYTHON" -V 2>&1 | head -1) at $PYTHON. Fix: PYTHON=/path/to/python3.11" >&2
  exit 2
fi

start=$SECONDS
# uv (from PyPI, into a throwaway venv) resolves the lock and installs it: ~10x faster than pip
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m venv "$work/uv"
"$work/uv/bin/python" -m pip install --quiet --disable-pip-version-check uv
uv=("$work/uv/bin/uv" --quiet)

if [ "${1:-}" = "--lock" ]; then
  "${uv[@]}" pip compile pyproject.toml --extra test --extra download \
    --resolution lowest-direct --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
    --only-binary :all: --constraint tools/floors-constraints.txt \
    --custom-compile-command "bash tools/test_floors.sh --lock" --output-file "$LOCK"
  echo "wrote $LOCK; tests/test_packaging.py checks it pins exactly the floors"
  exit 0
fi

rm -rf "$VENV"
"${uv[@]}" venv --python "$PYTHON" "$VENV"
install=("${uv[@]}" pip install --python "$VENV/bin/python" --no-deps)
"${install[@]}" --only-binary :all: -r "$LOCK"
# the package itself, built with the floor of [build-system] requires
setuptools=$("$VENV/bin/python" -c 'import re, tomllib
spec = tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"][0]
print(re.fullmatch(r"setuptools>=([\w.]+)", spec).group(1))')
"${install[@]}" --only-binary :all: "setuptools==$setuptools"
"${install[@]}" --no-build-isolation --editable .
"${uv[@]}" pip check --python "$VENV/bin/python"
echo "test_floors: $VENV ready in $((SECONDS - start)) s: $("${uv[@]}" pip freeze \
  --python "$VENV/bin/python" | grep -iE '^(numpy|pandas|scipy|shapely|geopandas|pyogrio|pyproj|rasterio|numba|streamlit)==' \
  | tr '\n' ' ')"

# Slow files that test no library version stay out unless FLOORS_FULL=1 (the main run has them):
# - the fault tests (kill -9, full disk, concurrent runs, planted symlinks: the OS and our
#   writer) and the CLI run of every real-corpus case (their files still go through the loaders
#   at the floors in test_rel_inputs.py, and the app's cases in test_app_real_corpus.py): half
#   of the 20 min the core tests took at the floors;
# - tests/scale: the spatial partitions and tiled cities of the dask engine (safespaces.partition
#   and safespaces.tiling are imported only by the dask engine, its store and the benchmarks),
#   and the dask tests themselves (the distributed extra is not part of the floors); the
#   lighting and walking kernels they cut up are tested at the floors in tests/lighting,
#   tests/eyes and tests/mix.
skip=(--ignore=tests/reliability/test_rel_output.py
  --ignore=tests/reliability/test_rel_real_corpus.py
  --ignore=tests/scale)
if [ "${FLOORS_FULL:-0}" = 1 ]; then
  skip=()
fi
start=$SECONDS
status=0
"$VENV/bin/python" -m pytest -m "not browser and not qgis and not dask and not docs and not wheel and not postgis" \
  -p no:cacheprovider \
  "${skip[@]}" "$@" || status=$?
echo "test_floors: core tests at the floors ran in $((SECONDS - start)) s (exit $status)"
if [ "$status" -ne 0 ]; then
  echo "test_floors: FAILED at the lowest supported versions ($LOCK). Fix the code, or raise" \
    "the floor in pyproject.toml (and environment.yml), then bash tools/test_floors.sh --lock" >&2
fi
exit "$status"
