"""The package's version: ``safespaces.__version__``, recorded in ``run_metadata`` and
error logs. A module of its own (on the lowest floor) so that the library's modules
can read it without importing the package's public API."""

__version__ = "0.1.0"
