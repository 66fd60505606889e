"""The SPARQL 1.1 Protocol endpoint (``/sparql``), SPARQL Update (``/update``) and the Graph Store
Protocol (``/store``).

Queries: GET with ``query=``, POST form-encoded or ``application/sparql-query``; the protocol
dataset via ``default-graph-uri`` / ``named-graph-uri``; the answer format by ``Accept``. User
queries run in killable worker processes with a time limit and a size cap
(:mod:`medfuse.service.workers`). Writes need the configured bearer token; without one they are
refused. Errors here are ``text/plain`` (what SPARQL clients print); the REST API uses problem+json.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from medfuse.service.deps import RuntimeDep
from medfuse.service.workers import GRAPH_TYPES, RESULT_TYPES, choose
from medfuse.service.workers import Request as QueryRequest

__all__ = ["router", "accepted"]

router = APIRouter(tags=["sparql"])
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
_FORM = "application/x-www-form-urlencoded"
_RDFLIB_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
                   "application/ld+json": "json-ld"}


def accepted(header: str | None) -> tuple[str, ...]:
    """Return the media types of an ``Accept`` header, most preferred first.

    >>> accepted("text/csv;q=0.5, application/sparql-results+json")
    ('application/sparql-results+json', 'text/csv')
    """
    if not header:
        return ("*/*",)
    ranked = []
    for position, part in enumerate(header.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, position, media.lower()))
    return tuple(media for _, _, media in sorted(ranked)) or ("*/*",)


def _text(status: int, message: str, **headers: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def _media_type(request: Request) -> tuple[str, str | None]:
    header = request.headers.get("content-type", "")
    media, *params = [p.strip() for p in header.split(";")]
    charset = next((p.split("=", 1)[1].strip('"').lower() for p in params if p.lower().startswith("charset=")), None)
    return media.lower(), charset


async def _form(request: Request) -> dict[str, list[str]] | PlainTextResponse:
    body = await request.body()
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return _text(400, "the form body is not UTF-8")


def _service_description(request: Request) -> Response:
    graph = Graph()
    graph.bind("sd", SD)
    service, endpoint = BNode(), URIRef(str(request.url).split("?")[0])
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, endpoint))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for media in RESULT_TYPES + GRAPH_TYPES:
        graph.add((service, SD.resultFormat, Literal(media)))
    media = choose(accepted(request.headers.get("accept")), GRAPH_TYPES) or "text/turtle"
    return Response(graph.serialize(format=_RDFLIB_FORMATS[media]), media_type=media)


async def _answer(runtime: RuntimeDep, request: Request, queries: list[str], params: dict[str, list[str]]) -> Response:
    if len(queries) != 1:
        return _text(400, f"expected exactly one `query` parameter, got {len(queries)}")
    query_request = QueryRequest(
        text=queries[0],
        accept=accepted(request.headers.get("accept")),
        default_graphs=tuple(params.get("default-graph-uri", ())),
        named_graphs=tuple(params.get("named-graph-uri", ())),
        max_bytes=runtime.settings.max_result_bytes,
    )
    try:
        answer = await runtime.sparql(query_request)
    except TimeoutError:
        return _text(503, f"query stopped after the {runtime.settings.query_timeout:g} s time limit; narrow it or add a LIMIT",
                     **{"Retry-After": "1"})
    if answer.error == "syntax":
        return _text(400, f"malformed query: {answer.message}")
    if answer.error == "not-acceptable":
        return _text(406, answer.message)
    if answer.error == "too-large":
        return _text(400, answer.message)
    if answer.error:
        return _text(503, f"the store failed: {answer.message}")
    return Response(answer.body, media_type=answer.media_type)


@router.get("/sparql", summary="SPARQL query (GET) or the service description")
async def sparql_get(runtime: RuntimeDep, request: Request) -> Response:
    """Answer ``?query=``; without one, describe the service (SPARQL 1.1 Service Description)."""
    params = parse_qs(request.url.query, keep_blank_values=True)
    if "query" not in params:
        return _service_description(request)
    return await _answer(runtime, request, params["query"], params)


async def _operation(request: Request, key: str, direct: str) -> tuple[list[str], dict[str, list[str]]] | Response:
    """Read a POSTed operation: ``key=`` form-encoded, or the body as ``direct`` media type (UTF-8 only).

    Returns the operation strings and every protocol parameter, or the error response.
    """
    media, charset = _media_type(request)
    url_params = parse_qs(request.url.query, keep_blank_values=True)
    if media == _FORM:
        form = await _form(request)
        if isinstance(form, Response):
            return form
        return form.get(key, []), {**url_params, **form}
    if media == direct:
        if charset not in (None, "utf-8", "utf8"):
            return _text(400, f"the {key} must be UTF-8, not {charset}")
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            return _text(400, f"the {key} body is not UTF-8")
        if key in url_params:
            return _text(400, f"send the {key} either in the body or as `{key}=`, not both")
        return [text], url_params
    return _text(415, f"POST a {key} as {_FORM} or {direct}, not {media or 'no media type'}")


@router.post("/sparql", summary="SPARQL query (POST, form-encoded or application/sparql-query)")
async def sparql_post(runtime: RuntimeDep, request: Request) -> Response:
    """Answer a query sent in the body."""
    read = await _operation(request, "query", "application/sparql-query")
    if isinstance(read, Response):
        return read
    return await _answer(runtime, request, *read)


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_other(request: Request) -> Response:
    """Refuse methods the protocol does not define."""
    return _text(405, "the query operation takes GET or POST", Allow="GET, POST")


def _authorize(runtime: RuntimeDep, request: Request) -> Response | None:
    token = runtime.settings.update_token
    if token is None:
        return _text(403, "updates are disabled on this endpoint (start the service with an update token)")
    if request.headers.get("authorization") != f"Bearer {token}":
        return _text(401, "updates need `Authorization: Bearer <token>`", **{"WWW-Authenticate": "Bearer"})
    return None


@router.post("/update", summary="SPARQL Update (needs the bearer token)")
async def update(runtime: RuntimeDep, request: Request) -> Response:
    """Apply a SPARQL Update sent form-encoded (``update=``) or as ``application/sparql-update``."""
    refused = _authorize(runtime, request)
    if refused:
        return refused
    read = await _operation(request, "update", "application/sparql-update")
    if isinstance(read, Response):
        return read
    updates, params = read
    if len(updates) != 1:
        return _text(400, f"expected exactly one `update` parameter, got {len(updates)}")
    if params.get("using-graph-uri") or params.get("using-named-graph-uri"):
        return _text(400, "using-graph-uri / using-named-graph-uri are not supported; write USING in the update")
    try:
        import pyoxigraph

        base = str(request.url).split("?")[0]
        pyoxigraph.Store().update(updates[0], base_iri=base)  # parse (on an empty store) before the write window
        await runtime.write(lambda store: store.update(updates[0], base_iri=base))  # type: ignore[attr-defined]
    except SyntaxError as error:
        return _text(400, f"malformed update: {error}")
    return Response(status_code=204)


@router.get("/update", include_in_schema=False)
async def update_get() -> Response:
    """Refuse updates over GET."""
    return _text(405, "updates take POST", Allow="POST")
