"""Incidents analysis."""
