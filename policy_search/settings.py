"""Settings of the service, from the environment (POLICY_SEARCH_*) or a .env file."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from analyzers import AnalyzerConfig
from policy_search.stores.layout import IndexLayout


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_SEARCH_", env_file=".env", extra="ignore")

    store: str = Field("sqlite:///var/policy-search.db", description="store URL: sqlite:///file.db or http://host:9200")
    index: str = Field("policies", description="Elasticsearch alias of the index")
    synonyms: str = Field("", description="a synonym file (`short => long` a line) added to the shipped one")
    colloquial: str = Field("", description="a colloquial file (`colloquial => statutory[, statutory …]` a line) "
                            "added to the shipped one")
    user_dict: str = Field("", description="a user dictionary (`word [freq] [tag]` a line) added to the shipped one")
    words_check_seconds: float = Field(2.0, ge=0, description="seconds between looks of the running service at "
                                       "the dictionary, synonym and colloquial files (changed: used at once); 0: off")
    cors_origins: str = Field("", description="comma-separated origins allowed to call the API from a browser")
    es_timeout: float = Field(
        2.0, gt=0, description="seconds a search, page or suggestion waits for Elasticsearch before the "
        "service answers 503 (a hung node must not hold requests for long)")
    # How the Elasticsearch indexes are laid out on a cluster (docs/benchmarks.md, "Sharding the
    # article index"): used when an index is made or rebuilt (`policy-search reindex`).
    es_shards: int = Field(1, ge=1, le=1024, description="Elasticsearch: primary shards of the documents index")
    es_replicas: str = Field("0-1", description="Elasticsearch: replicas of each shard of the documents index, "
                             "a number (1) or a range that follows the cluster's nodes (0-1, 1-all)")
    es_article_shards: int = Field(1, ge=1, le=1024, description="Elasticsearch: primary shards of the articles index")
    es_article_replicas: str = Field("0-1", description="Elasticsearch: replicas of each shard of the articles "
                                     "index, a number (1) or a range (0-1, 1-all)")
    max_file_mb: float = Field(20, gt=0, description="indexing: larger files are refused unread")
    parse_seconds: float = Field(30, ge=0, description="indexing: a file taking longer to parse is skipped (0: no limit)")
    frame_ancestors: str = Field("", description="space-separated origins whose pages may show the service's "
                                 "pages in a frame; empty: none may")

    # Per-client rate limits (a token bucket per client address and per process: so many
    # requests a minute, which a client may also spend at once). 0 turns a limit off.
    rate_limit_search: int = Field(120, ge=0, description="searches per minute per client (API, search page, current)")
    rate_limit_suggest: int = Field(600, ge=0, description="suggestion requests per minute per client")
    rate_limit_clicks: int = Field(120, ge=0, description="clicks on results recorded per minute per client")
    rate_limit_loopback: bool = Field(False, description="limit loopback clients too (off: local tools and "
                                      "tests are not limited, nor a reverse proxy on the same machine that "
                                      "does not forward the client's address)")

    # Request size limits, enforced by the HTTP server before the app sees the request.
    max_url_bytes: int = Field(8 * 1024, ge=256, description="longest request target (path and query); longer: 414")
    max_header_bytes: int = Field(32 * 1024, ge=1024, description="largest request head (all header lines); larger: 431")
    max_body_bytes: int = Field(1024 * 1024, ge=0, description="largest request body; larger: 413")
    max_write_bytes: int = Field(10 * 1024 * 1024, ge=0, description="largest body of a write (a page, a record, "
                                 "a batch) to /api/v1/documents; larger: 413")

    # The write API's keys and its audit log: a small SQLite file, whatever the store.
    keys_file: str = Field("var/policy-search-keys.db", description="the API keys (hashed) and the audit log of writes")

    # What citizens search for (policy_search/stats/): no address, cookie or user agent.
    search_stats: bool = Field(True, description="record each search (query, filters, results, time, source) "
                               "and each click on a result")
    stats_file: str = Field("var/policy-search-stats.db", description="where the searches are recorded")
    stats_retention_days: int = Field(180, ge=1, description="recorded searches and clicks older than this are removed")

    @field_validator("es_replicas", "es_article_replicas")
    @classmethod
    def _replicas(cls, value: str) -> str:
        IndexLayout(replicas=value)  # raises ValueError with the reason
        return value

    @property
    def index_layouts(self) -> tuple[IndexLayout, IndexLayout]:
        """The shards and replicas of the documents index and of the articles index."""
        return IndexLayout(self.es_shards, self.es_replicas), IndexLayout(self.es_article_shards,
                                                                          self.es_article_replicas)

    @property
    def analyzer_config(self) -> AnalyzerConfig:
        """The dictionary, synonym and colloquial files of this deployment, beyond the shipped ones."""
        return AnalyzerConfig.of(user_dict=self.user_dict, synonyms=self.synonyms, colloquial=self.colloquial)

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def frame_ancestor_list(self) -> list[str]:
        return self.frame_ancestors.split()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
