class ParseError(Exception):
    """A source file cannot be read as a document; the message says why."""
