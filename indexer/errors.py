class ParseError(Exception):
    """A source file cannot be read as a document; the message says why."""


class NotADocument(ParseError):
    """The file is read fine but is not a document (a portal's column list page, …): it is
    skipped, and the message, which starts with "skipped:", says why."""
