"""Dependencies injected into the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from policy_search.settings import Settings
from policy_search.stores import Store


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
