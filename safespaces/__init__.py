"""safespaces: evidence for urban safe-space planning from open city data.

Data flows one way: sources -> network -> measures (lighting, eyes, mix,
incidents) -> indices -> layers -> export / app. Importing the package has no
side effects and does not import Streamlit.
"""

from safespaces.errors import SafespacesError

__version__ = "0.1.0"

__all__ = ["SafespacesError", "__version__"]
