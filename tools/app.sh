#!/usr/bin/env bash
# Install into .venv when needed (tools/env.sh) and open the app on the embedded Helsinki
# default: `safespaces app` (streamlit run on the app's main script); arguments go to Streamlit.
source "$(dirname "$0")/env.sh" app
exec python -m safespaces app "$@"
