"""Service settings, read at the edge (CLI options or environment) and passed to ``create_app``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Settings"]


class Settings(BaseModel):
    """How the service guards itself and where it reads from."""

    model_config = ConfigDict(frozen=True)

    #: Per-query time limit for user SPARQL, in seconds.
    query_timeout: float = Field(30.0, gt=0)
    #: Largest serialized SPARQL answer, in bytes.
    max_result_bytes: int = Field(16 * 2**20, gt=0)
    #: Largest request body, in bytes.
    max_request_bytes: int = Field(2**20, gt=0)
    #: Worker processes answering user SPARQL on an embedded on-disk store.
    query_workers: int = Field(2, ge=1)
    #: Bearer token that enables SPARQL Update and Graph Store writes; ``None`` keeps them off.
    update_token: str | None = None
    #: Origins allowed by CORS.
    cors_origins: tuple[str, ...] = ("*",)
    #: Bytes of search, detail and compat answers kept per graph; 0 keeps none.
    answer_cache_bytes: int = Field(64 * 2**20, ge=0)
    #: Largest page a paginated API call returns.
    max_page_size: int = Field(500, ge=1)
