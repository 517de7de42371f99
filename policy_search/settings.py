"""Settings of the service, from the environment (POLICY_SEARCH_*) or a .env file."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from analyzers import AnalyzerConfig


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_SEARCH_", env_file=".env", extra="ignore")

    store: str = Field("sqlite:///var/policy-search.db", description="store URL: sqlite:///file.db or http://host:9200")
    index: str = Field("policies", description="Elasticsearch alias of the index")
    synonyms: str = Field("", description="a synonym file (`short => long` a line) added to the shipped one")
    user_dict: str = Field("", description="a user dictionary (`word [freq] [tag]` a line) added to the shipped one")
    cors_origins: str = Field("", description="comma-separated origins allowed to call the API from a browser")
    es_timeout: float = Field(
        2.0, gt=0, description="seconds a search, page or suggestion waits for Elasticsearch before the "
        "service answers 503 (a hung node must not hold requests for long)")
    max_file_mb: float = Field(20, gt=0, description="indexing: larger files are refused unread")
    parse_seconds: float = Field(30, ge=0, description="indexing: a file taking longer to parse is skipped (0: no limit)")

    @property
    def analyzer_config(self) -> AnalyzerConfig:
        """The dictionary and synonym files of this deployment, beyond the shipped ones."""
        return AnalyzerConfig.of(user_dict=self.user_dict, synonyms=self.synonyms)

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
