"""Chinese text analysis shared by both stores: normalisation, segmentation, highlighting.

Both stores index the tokens of one `Analyzer`, and queries are cut by the same one, so
the same query finds the same documents whichever store is behind the service. This
package depends on nothing else of the project.
"""

from analyzers.analyzer import Analyzer, AnalyzerConfig, analyzer_for, shipped_analyzer
from analyzers.errors import DataFileError
from analyzers.normalize import doc_number_key, normalize_doc_number, normalize_text

__all__ = ["Analyzer", "AnalyzerConfig", "DataFileError", "analyzer_for", "doc_number_key", "normalize_doc_number",
           "normalize_text", "shipped_analyzer"]
