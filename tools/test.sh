#!/usr/bin/env bash
# Install into .venv, then run the linters, the type checker and the whole test suite.
# Extra arguments go to pytest (e.g. bash tools/test.sh -k lighting).
source "$(dirname "$0")/env.sh" dev
python -m ruff check .
python -m ruff format --check .
python -m mypy
python -m pytest "$@"
