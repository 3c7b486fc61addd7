"""Mix analysis."""
