"""Readers for every input: the only code that reads the outside world."""
