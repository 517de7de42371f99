"""Dependencies injected into the routes, and the parameter types they share."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BeforeValidator

from policy_search.settings import Settings
from policy_search.store_query import parse_day
from policy_search.stores import Store


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def _day(value: object) -> object:
    return value if isinstance(value, date) else parse_day(value)


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
# A day in a request: YYYY-MM-DD and nothing else (no Unix timestamps, no 20210101).
Day = Annotated[date, BeforeValidator(_day)]
