"""FastAPI comparison server for bench/http/run.mjs.

Serves ``GET /v1/status`` returning the same JSON object as Sextant's endpoint
(the body run.mjs captured from Sextant, passed in via the file named by the
``BENCH_BODY_FILE`` environment variable).

To be fair to FastAPI the route is written the idiomatic way: it declares a
pydantic ``response_model`` (built from the shape of the captured body, nested
objects become nested models) and the handler returns the data, which FastAPI
validates against the model and serializes, as a real service would.

Run (from bench/http, with the Debian packages, see install-fastapi.sh):

    BENCH_BODY_FILE=body.json /usr/bin/python3 -m uvicorn fastapi_app:app \
        --host 127.0.0.1 --port 8000 --loop uvloop --http httptools \
        --no-access-log --workers 1
"""

from __future__ import annotations

import json
import keyword
import os
from typing import Any, Dict, List, Optional

from fastapi import FastAPI
from pydantic import BaseModel, Field, create_model

DEFAULT_BODY: Dict[str, Any] = {"status": "ok", "service": "sextant", "version": "0.0.0"}


def load_body() -> Dict[str, Any]:
    path = os.environ.get("BENCH_BODY_FILE")
    if not path:
        return DEFAULT_BODY
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise SystemExit("BENCH_BODY_FILE must contain a JSON object")
    return data


_model_counter = 0


def _usable_field_name(key: str) -> bool:
    return (
        key.isidentifier()
        and not keyword.iskeyword(key)
        and not key.startswith("_")
        and not hasattr(BaseModel, key)
    )


def _infer_type(value: Any, name: str) -> Any:
    if value is None:
        return Optional[Any]
    if isinstance(value, bool):  # before int: bool is a subclass of int
        return bool
    if isinstance(value, int):
        return int
    if isinstance(value, float):
        return float
    if isinstance(value, str):
        return str
    if isinstance(value, dict):
        if not value:
            return Dict[str, Any]
        return model_for(value, name)
    if isinstance(value, list):
        if not value:
            return List[Any]
        first = value[0]
        if isinstance(first, dict) and first and all(
            isinstance(v, dict) and v.keys() == first.keys() for v in value
        ):
            return List[model_for(first, name + "Item")]  # type: ignore[misc]
        kinds = {type(v) for v in value}
        if len(kinds) == 1 and first is not None and not isinstance(first, (dict, list)):
            return List[_infer_type(first, name + "Item")]  # type: ignore[misc]
        return List[Any]
    return Any


def model_for(obj: Dict[str, Any], name: str = "StatusResponse") -> type:
    """Builds a pydantic model whose fields mirror ``obj`` (recursively)."""
    global _model_counter
    _model_counter += 1
    fields: Dict[str, Any] = {}
    for i, (key, value) in enumerate(obj.items()):
        typ = _infer_type(value, f"{name}_{i}")
        default = None if value is None else ...
        if _usable_field_name(key):
            fields[key] = (typ, Field(default))
        else:
            fields[f"f{i}"] = (typ, Field(default, alias=key))
    return create_model(f"{name}{_model_counter}", **fields)  # type: ignore[call-overload]


BODY = load_body()
StatusResponse = model_for(BODY)

app = FastAPI(title="sextant-bench-fastapi")


@app.get("/v1/status", response_model=StatusResponse)
async def status() -> Any:
    return BODY
