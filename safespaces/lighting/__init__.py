"""Lighting analysis."""
