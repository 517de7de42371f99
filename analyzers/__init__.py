"""Chinese text analysis shared by both stores: normalisation, segmentation, highlighting.

Both stores index the tokens produced here, so the same query finds the same documents
whichever store is behind the service.
"""

from analyzers.normalize import doc_number_key, normalize_doc_number, normalize_text
from analyzers.segment import index_text, index_tokens, query_terms

__all__ = ["doc_number_key", "index_text", "index_tokens", "normalize_doc_number", "normalize_text", "query_terms"]
