"""The embedded issuer: OAuth 2.0 client-credentials token endpoint and its public JWK Set.

Invariants:

- Both endpoints exist only for the embedded issuer; with an external issuer
  (`CREDENCE_OIDC_ISSUER`) they answer 404, so no second authority can mint tokens.
- The token endpoint is `authlib_server.EmbeddedIssuer` (authlib's `AuthorizationServer`,
  client credentials only, `no-store` responses; its invariants are stated there).
- Only bodies up to `MAX_BODY` bytes are read, and the token is issued (argon2, the
  database) off the event loop, committed before the response goes out.
"""

from __future__ import annotations

from typing import Any, Literal

from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Error
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep, SessionDep
from api.identity.authlib_server import FORM_TYPE, GRANT_TYPE, EmbeddedIssuer, HttpRequest
from api.policy import public
from api.problems import problem
from api.state import app_state
from core.clock import clock
from core.identity.issuer_keys import IssuerKeys
from core.settings import Settings

# Public to bearer tokens: the token endpoint authenticates clients itself (RFC 6749 §2.3).
router = APIRouter(tags=["oauth"], dependencies=[Depends(public)])

TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a secret
JWKS_PATH = "/.well-known/jwks.json"
MAX_BODY = 4096


class TokenResponse(BaseModel):
    """A successful token response (RFC 6749 §5.1)."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int


class OAuthErrorBody(BaseModel):
    """An error response of the token endpoint (RFC 6749 §5.2)."""

    error: str
    error_description: str | None = None


class JWKSet(BaseModel):
    """The issuer's public keys (RFC 7517 §5)."""

    keys: list[dict[str, Any]]


def _embedded_keys(request: Request, settings: Settings) -> IssuerKeys | JSONResponse:
    """The issuer keys, or the problem response when there is no embedded issuer."""
    if settings.oidc_issuer is not None:
        return problem(
            404,
            "not-found",
            "Not Found",
            "Tokens come from the external issuer; this service issues none.",
        )
    keys = app_state(request).issuer_keys
    if keys is None:
        return problem(503, "issuer-unavailable", "Token issuer unavailable")
    return keys


async def _read_body(request: Request) -> bytes | None:
    """The body, or None once it passes MAX_BODY (stop reading there)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return body


def _issue(issuer: EmbeddedIssuer, session: Session, http: HttpRequest) -> Response:
    """Run authlib's token endpoint and commit (a hash upgrade) before the response goes out."""
    try:
        response: Response = issuer.create_token_response(http)
    except OAuth2Error as error:  # raised while parsing, before authlib's own handling
        response = issuer.handle_error_response(None, error)
    session.commit()
    return response


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorBody, "description": "RFC 6749 error"},
    401: {"model": OAuthErrorBody, "description": "invalid_client"},
    404: {"description": "an external issuer is configured"},
}


@router.post(
    TOKEN_PATH,
    response_model=TokenResponse,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM_TYPE: {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": [GRANT_TYPE]},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string", "format": "password"},
                        },
                    }
                }
            },
        }
    },
)
async def token(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    """Issue an access token to a registered client (client-credentials grant)."""
    keys = _embedded_keys(request, runtime.settings)
    if isinstance(keys, JSONResponse):
        return keys
    issuer = EmbeddedIssuer(session=session, keys=keys, settings=runtime.settings, now=clock.now())
    body = await _read_body(request)
    if body is None:
        too_large: Response = issuer.handle_error_response(
            None, InvalidRequestError(f"The request body exceeds {MAX_BODY} bytes.")
        )
        return too_large
    http = HttpRequest(request.method, str(request.url), request.headers, body)
    # Argon2 and the database are blocking work: keep them off the event loop.
    return await run_in_threadpool(_issue, issuer, session, http)


@router.get(JWKS_PATH, response_model=JWKSet, responses={404: _ERRORS[404]})
async def jwks(request: Request, runtime: RuntimeDep) -> Response:
    """The embedded issuer's public signing keys."""
    keys = _embedded_keys(request, runtime.settings)
    if isinstance(keys, JSONResponse):
        return keys
    return JSONResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})
