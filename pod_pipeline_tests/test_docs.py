"""The documents stay true to the code (issue 15, item 12): every settings key is in the
settings table, every relative link lands on a file of this repository, every `pod-pipeline`
command the documents show exists, and every sensor, schedule and job is named in the README."""

from __future__ import annotations

import os
import re
import typing
from pathlib import Path

import pydantic
from pod_pipeline.definitions import build_definitions
from pod_pipeline.settings.model import SellerSettings
from pod_pipeline.tools.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def settings_keys(model: type[pydantic.BaseModel], prefix: str = "", seen: set | None = None):
    seen = set() if seen is None else seen
    for name, field in model.model_fields.items():
        key = field.alias or name
        yield prefix + key, key
        for inner in (field.annotation, *typing.get_args(field.annotation)):
            for candidate in (inner, *typing.get_args(inner)):
                if isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel) and candidate not in seen:
                    seen.add(candidate)
                    yield from settings_keys(candidate, f"{prefix}{key}.", seen)


def test_every_settings_key_is_documented():
    table = (ROOT / "docs" / "operations.md").read_text()
    missing = [full for full, key in settings_keys(SellerSettings) if f"`{key}`" not in table]
    assert not missing, f"settings keys missing from docs/operations.md's settings table: {missing}"


def test_relative_links_land_inside_the_repository():
    links = [(document, target) for document in DOCUMENTS
             for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", document.read_text())]
    assert len(links) >= 10  # the documents do link files: the pattern finds them
    for document, target in links:
        if re.match(r"[a-z]+:", target):
            continue
        path = (document.parent / target).resolve()
        assert path.is_relative_to(ROOT), f"{document.name} links outside the repository: {target}"
        assert path.exists(), f"{document.name} links a missing file: {target}"


def test_every_command_shown_exists():
    parser = build_parser()
    commands = {name: sub for action in parser._subparsers._group_actions for name, sub in action.choices.items()}
    shown = set()
    for document in DOCUMENTS:
        for first, second in re.findall(r"(?<!-n )(?:^|(?<=[`\s(/]))pod-pipeline ([a-z][a-z-]+)(?: ([a-z][a-z-]+))?",
                                        document.read_text(), flags=re.MULTILINE):
            shown.add(first)
            assert first in commands, f"{document.name} shows `pod-pipeline {first}`, which does not exist"
            nested = [a for a in commands[first]._actions if a.__class__.__name__ == "_SubParsersAction"]
            if nested and second:
                assert second in nested[0].choices, f"{document.name} shows `pod-pipeline {first} {second}`"
    assert len(shown) >= 10, shown  # the documents do show the commands: the pattern finds them


def test_every_sensor_schedule_and_job_is_named_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    defs = build_definitions({**os.environ, "POD_MODE": "demo"})
    repository = defs.get_repository_def()
    names = ([s.name for s in repository.sensor_defs] + [s.name for s in repository.schedule_defs]
             + [j.name for j in repository.get_all_jobs() if not j.name.startswith("__")])
    missing = [name for name in names if f"`{name}`" not in readme]
    assert not missing, f"not named in README.md: {missing}"
