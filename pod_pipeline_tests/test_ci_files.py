"""CI where people look for it (issue 18, item 6): `.ci/run` and the GitHub Actions workflow both
run the README's test command, after the services the tests need answer."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("Set up and run the tests", 1)[1]
    return re.search(r"```bash\n(.+?)\n```", section, re.S).group(1).strip()


def test_ci_run_waits_for_the_services_then_runs_the_readme_command():
    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert lines.index("bash .ci/wait-for-services") < lines.index(readme_test_command())


def test_the_workflow_runs_ci_run_with_every_service_the_check_waits_for():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["tests"]
    assert any(step.get("run") == "bash .ci/run" for step in job["steps"])
    assert job["timeout-minutes"] <= 90
    published = {int(mapping.split(":")[0]) for service in job["services"].values() for mapping in service["ports"]}
    waited = {int(port) for port in re.findall(r"\w+:(\d+)", (ROOT / ".ci" / "wait-for-services").read_text())}
    assert waited and waited <= published
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"127.0.0.1:{port}" in readme for port in waited)  # the README names what the tests need


def test_a_service_that_does_not_answer_is_named(tmp_path):
    script = (ROOT / ".ci" / "wait-for-services").read_text()
    # A closed port, given a second: the check fails, naming the service and the port.
    patched = tmp_path / "wait"
    patched.write_text(script.replace("rabbitmq:5672", "rabbitmq:1").replace("seq 60", "seq 1")
                       .replace("-eq 60", "-eq 1"))
    done = subprocess.run(["bash", str(patched)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "rabbitmq does not answer on 127.0.0.1:1" in done.stderr
