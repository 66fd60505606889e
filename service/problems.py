"""RFC 9457 problem details for the REST API: one place that turns errors into HTTP answers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from medfuse.kg.errors import MedfuseError

__all__ = ["PROBLEM", "problem", "install"]

#: The media type of problem details.
PROBLEM = "application/problem+json"
_TYPE = "https://w3id.org/medfuse/problems/"


def problem(status: int, kind: str, title: str, detail: str, **extra: object) -> JSONResponse:
    """Return a problem+json response."""
    body = {"type": _TYPE + kind, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem details."""

    @app.exception_handler(MedfuseError)
    async def _medfuse(request: Request, error: MedfuseError) -> JSONResponse:
        extra = {"suggestions": error.suggestions} if getattr(error, "suggestions", None) else {}
        return problem(error.http_status, error.kind, type(error).__name__, str(error), **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        return problem(422, "invalid-request", "Invalid request", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, f"http-{error.status_code}", str(error.detail), str(error.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:  # pragma: no cover - last resort
        return problem(500, "internal-error", "Internal error", f"{type(error).__name__}: {error}")
