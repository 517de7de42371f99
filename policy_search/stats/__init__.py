"""What citizens search for: searches and clicks recorded without anything personal
(`recording`), the figures staff read from them (`report`, `export`), and the short forms
proposed from the queries that found nothing (`candidates`)."""

from policy_search.stats.recording import SearchStats, normalised

__all__ = ["SearchStats", "normalised"]
