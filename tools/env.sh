# Shared by tools/app.sh and tools/test.sh: create .venv and install the package.
# Usage: source tools/env.sh EXTRA   (EXTRA is a pyproject extra: app or dev)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$1]"
export PATH="$PWD/.venv/bin:$PATH"
