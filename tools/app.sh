#!/usr/bin/env bash
# Install into .venv and open the app on the embedded Helsinki default.
source "$(dirname "$0")/env.sh" app
exec python -m streamlit run app.py "$@"
