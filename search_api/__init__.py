"""The HTTP service: JSON API, search page and widget, over any store."""

from search_api.app import create_app

__all__ = ["create_app"]
