"""Serves a local bucket folder over HTTP so the Gelato sandbox can fetch print files the way
Gelato fetches a Supabase signed URL: a plain GET, no headers."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

BUCKET_MOUNT = "/bucket"


def create_bucket_app(root: Path) -> Starlette:
    root.mkdir(parents=True, exist_ok=True)
    return Starlette(routes=[Mount(BUCKET_MOUNT, app=StaticFiles(directory=root), name="bucket")])
