"""policy-search: full-text search for Chinese government policy documents."""

__version__ = "0.1.0"
