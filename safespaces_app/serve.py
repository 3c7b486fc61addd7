"""``python -m safespaces_app.serve run [streamlit options] SCRIPT``: ``streamlit run``
with the server's warm-up (:mod:`safespaces_app.warmup`) started first.

``safespaces app`` runs this instead of ``python -m streamlit``: the same Streamlit command
line (every argument goes to Streamlit as it is), in a process that starts the default's
analysis and its map as soon as it starts, while Streamlit starts listening and the
browser loads the page.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    """Start the warm-up, then Streamlit's command line on ``argv``."""
    from safespaces_app import warmup

    warmup.start()
    from streamlit.web import cli

    sys.argv = ["streamlit", *(sys.argv[1:] if argv is None else argv)]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
