"""The ``elicitor`` command line."""
