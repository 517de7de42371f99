"""What goes wrong with the analyzer's data files."""

from __future__ import annotations


class DataFileError(ValueError):
    """A dictionary, synonym, colloquial or question-words file that cannot be read or
    holds a malformed line; the message names the file (and the line)."""
