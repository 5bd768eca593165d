"""What a newcomer meets on the command line (issue 15, items 10 and 11): every option says what
it does and its default, help text prints as written, and `.env` is read as README promises."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from pod_pipeline.tools.cli import build_parser

CLI = str(Path(sys.executable).with_name("pod-pipeline"))


def every_parser(parser: argparse.ArgumentParser, name: str = "pod-pipeline"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child_name, child in action.choices.items():
                yield from every_parser(child, f"{name} {child_name}")


def test_every_option_says_what_it_does_and_its_default():
    undocumented = [f"{name} {action.option_strings or action.dest}" for name, parser in every_parser(build_parser())
                    for action in parser._actions
                    if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help]
    assert undocumented == []
    for name, parser in every_parser(build_parser()):
        text = parser.format_help()
        assert "%%" not in text and "%(" not in text, name
        for action in parser._actions:
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS) \
                    and not isinstance(action, argparse._HelpAction):
                # argparse wraps long lines (at spaces and hyphens): compare without whitespace.
                shown = "".join(f"(default: {action.default})".split())
                assert shown in "".join(text.split()), f"{name} {action.option_strings}"


def test_the_cli_reads_dotenv_and_the_environment_wins(tmp_path):
    settings = tmp_path / "mine.yaml"
    settings.write_text("store_id: [not, a, string]\n")
    (tmp_path / ".env").write_text(f"POD_SETTINGS={settings}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POD_")}
    from_file = subprocess.run([CLI, "validate-settings"], cwd=tmp_path, env=env, capture_output=True, text=True,
                               timeout=60)
    assert from_file.returncode != 0 and "mine.yaml" in from_file.stdout + from_file.stderr
    bundled = subprocess.run([CLI, "validate-settings"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                             env={**env, "POD_SETTINGS": str(Path(__file__).parents[1] / "pod_pipeline/settings/default.yaml")})
    assert bundled.returncode == 0, bundled.stdout + bundled.stderr
