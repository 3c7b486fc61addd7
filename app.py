"""safespaces: the Streamlit app, run from a clone with ``streamlit run app.py``.

A shim: the app is the package :mod:`safespaces_app` (installed with
``pip install 'safespaces[app]'`` and started anywhere with ``safespaces app``). Its main
script :mod:`safespaces_app.main` declares the pages; this file calls it, so that the
repository's ``streamlit run app.py`` and the installed app are the same app.
"""

from __future__ import annotations

from safespaces_app.main import main

main()
