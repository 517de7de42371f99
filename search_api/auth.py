"""API keys on routes: the dependencies that check a request's key and its scope.

Keys are made with `policy-search keys create` and sent as `Authorization: Bearer <key>`.
Without one, or with one unknown or revoked, a route answers 401 with `WWW-Authenticate`;
with one whose scope does not allow the route, 403. The write API, reloading words and the
statistics pages share these, so they live apart from any one route.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from policy_search.keys import ApiKey, InvalidKey, KeyStore, KeysUnavailable, Scope
from search_api.errors import ApiError

log = logging.getLogger("policy_search.api")

bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey", bearerFormat="ps_<key id>_<secret>",
                    description="an API key made by `policy-search keys create --scope write|admin [--issuer …]`")

def _unauthorized(code: str, message: str, error: str | None = None) -> ApiError:
    challenge = 'Bearer realm="policy-search"' + (f', error="{error}"' if error else "")
    return ApiError(401, code, message, {"WWW-Authenticate": challenge})


def require_key(scope: Scope):
    """A dependency: the request's API key, checked to allow `scope`."""

    def check(request: Request,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> ApiKey:
        if credentials is None:
            raise _unauthorized("unauthorized", "this route needs an API key: send `Authorization: Bearer <key>` "
                                "(make one with `policy-search keys create`)")
        keys: KeyStore = request.app.state.keys
        try:
            key = keys.authenticate(credentials.credentials)
        except InvalidKey as error:
            raise _unauthorized("invalid_key", str(error), "invalid_token") from None
        except KeysUnavailable as error:
            log.error("keys file unavailable: %s", error)
            raise ApiError(503, "keys_unavailable", "the API keys cannot be checked now; try again later") from None
        if not key.scope.allows(scope):
            raise ApiError(403, "insufficient_scope", f"the key {key.id} has scope {key.scope.value!r}; "
                           f"this needs {scope.value!r}",
                           {"WWW-Authenticate": f'Bearer realm="policy-search", error="insufficient_scope", '
                                                f'scope="{scope.value}"'})
        return key

    return Depends(check)


WriteKey = Annotated[ApiKey, require_key(Scope.WRITE)]
AdminKey = Annotated[ApiKey, require_key(Scope.ADMIN)]
