"""Eyes analysis."""
