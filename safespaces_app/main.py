"""safespaces: the Streamlit app's main script.

Run with ``safespaces app`` (which runs ``streamlit run`` on this file, from wherever the
package is installed), or ``streamlit run app.py`` in a clone of the repository (``app.py``
calls :func:`main`). This file only declares the pages (and the language switch their
titles follow); every page calls the library through the app's data modules
(``safespaces_app.runs``: the run cache).

The pages are given by absolute paths, so that they resolve the same way whichever main
script Streamlit runs (``app.py`` at the repository's top or this file in site-packages).
Streamlit serves ``static/`` beside the main script at ``/app/static`` (the vendored
Leaflet: :data:`safespaces_app.mapview.STATIC_DIR`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: This package's folder: the pages are its files.
HERE = Path(__file__).resolve().parent


def unshadow() -> None:
    """Take this folder off the front of ``sys.path``.

    ``streamlit run`` puts the main script's folder first on ``sys.path``. When this file
    is the main script, that folder is the package itself, whose modules (``data``,
    ``settings``, ``diskcache``, ...) would shadow top-level modules of the same name for
    everything imported after it. The app imports them as ``safespaces_app.*`` only.
    """
    if sys.path and os.path.realpath(sys.path[0] or os.curdir) == str(HERE):
        del sys.path[0]


if __name__ == "__main__":
    unshadow()  # before any other import

import streamlit as st  # noqa: E402

from safespaces_app import urlstate  # noqa: E402
from safespaces_app.components import language  # noqa: E402
from safespaces_app.i18n import t  # noqa: E402

#: (file, message id of the title, url path); the first page is the default.
PAGES = (
    ("map.py", "page.map", ""),
    ("districts.py", "page.districts", "districts"),
    ("mix.py", "page.mix", "mix"),
    ("lighting.py", "page.lighting", "lighting"),
    ("plan.py", "page.plan", "plan"),
    ("perceived.py", "page.perceived", "perceived"),
    ("incidents.py", "page.incidents", "incidents"),
    ("data.py", "page.data", "data"),
    ("export.py", "page.export", "export"),
)


def main() -> None:
    """Declare the pages and run the one the user chose."""
    st.set_page_config(page_title="safespaces", layout="wide")
    urlstate.sync()  # the view from the URL (first run) or the widgets, kept across pages
    lang = language()
    pages = [
        st.Page(HERE / file, title=t(title, lang), url_path=url or None, default=not url)
        for file, title, url in PAGES
    ]
    st.navigation(pages).run()


if __name__ == "__main__":
    main()
