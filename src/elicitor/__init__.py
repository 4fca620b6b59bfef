"""Elicitor: reciprocal knowledge elicitation, one question at a time."""

__version__ = "0.1.0"
