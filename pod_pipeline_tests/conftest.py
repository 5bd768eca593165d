"""Shared fixtures: a real Gelato sandbox and a real bucket server on loopback, and the
environment that points the pipeline at them."""

from __future__ import annotations

import pytest
import yaml

from pod_pipeline.tools.sandbox.config import SandboxConfig
from pod_pipeline.settings import DEFAULT_SETTINGS_PATH
from pod_pipeline.tools.sandbox.server import SandboxServer
from pod_pipeline.tools.serving import BackgroundServer
from pod_pipeline.storage.file_server import BUCKET_MOUNT, create_bucket_app


@pytest.fixture
def database_url():
    """A fresh, migrated database on the local PostgreSQL."""
    from pod_pipeline_tests.db.pg import fresh_database

    with fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def print_file_url(tmp_path_factory):
    """A print file Gelato can fetch (the sandbox fails products whose file it cannot)."""
    from PIL import Image

    root = tmp_path_factory.mktemp("print-files")
    Image.new("RGB", (600, 800), "teal").save(root / "art.png")
    with BackgroundServer(create_bucket_app(root)) as bucket:
        yield f"{bucket.base_url}{BUCKET_MOUNT}/art.png"


@pytest.fixture
def gelato_sandbox():
    with SandboxServer(SandboxConfig(publish_delay_seconds=0.3)) as server:
        yield server


# The status sensor polls within a fraction of a second (the sandbox publishes in 0.3 s).
FAST_FOLLOW = {"first_check_seconds": 0.2, "max_check_interval_seconds": 1.0, "ambiguous_retry_seconds": 0.5}


def settings_file(folder, **overrides) -> str:
    """The bundled settings with fast status polling and `overrides`; returns the file's path."""
    settings = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    settings["publishing"] = {**settings["publishing"], **FAST_FOLLOW, **overrides.pop("publishing", {})}
    settings.update(overrides)
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(settings))
    return str(path)


@pytest.fixture
def pipeline_env(tmp_path, gelato_sandbox):
    """Environment for `build_definitions`: demo mode against the sandbox and a served bucket."""
    bucket_dir = tmp_path / "bucket"
    with BackgroundServer(create_bucket_app(bucket_dir)) as bucket:
        yield {
            "POD_SETTINGS": settings_file(tmp_path),
            "POD_MODE": "demo",
            "POD_SANDBOX_URL": gelato_sandbox.base_url,
            "GELATO_API_KEY": "sandbox-key",
            "POD_BUCKET_DIR": str(bucket_dir),
            "POD_BUCKET_URL": bucket.base_url + BUCKET_MOUNT,
            "POD_CATALOG_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
        }


POSTER = "c12a363e-0d4e-4d96-be4b-bf4138eb8743"


def poster_only_settings(folder, **overrides) -> str:
    """A settings file publishing to the poster template only (one product per artwork keeps
    flow tests quick); returns its path for POD_SETTINGS."""
    return settings_file(folder, templates=[{"id": POSTER}], **overrides)
