"""What the checks share: the environment, the time limit, and each part built the way the
pipeline builds it (environment.py, mode.py, the settings loader), once. A part whose
configuration is broken raises `Skip` in the checks that need it: the configuration or settings
check already reports the cause, so the others say where to look instead of repeating it."""

from __future__ import annotations

import threading
from typing import Any, Callable, Mapping

from pod_pipeline.defs.environment import ConfigurationError, catalog_resource, copywriter_resource, storage_resource
from pod_pipeline.defs.environment import build_resources
from pod_pipeline.settings.mode import DEMO, STAGING, current_mode
from pod_pipeline.defs.resources import plain
from pod_pipeline.settings import DEFAULT_SETTINGS_PATH, SellerSettings, SettingsError, load_settings

# mode.py builds Gelato's resource only inside build_resources, after the other parts: when one
# of them is broken, Gelato is built again with embedded stand-ins for the rest (and without the
# copywriter's variables), so a bad catalog URL cannot hide a bad Gelato key.
_EMBEDDED_PARTS = {"POD_STORAGE": "local", "POD_CATALOG_URL": "sqlite:///unused-by-doctor.db",
                   "POD_COPYWRITER": "offline"}


class Resolved:
    """A resource whose secrets held by variable name (EnvVar) read as their values, as in a run.
    (Not `process_config_and_initialize`: it makes a throw-away Dagster instance per call.)"""

    def __init__(self, resource: Any):
        self._resource = resource

    def __getattr__(self, name: str) -> Any:
        return plain(getattr(self._resource, name))


class Skip(Exception):
    """The check cannot run: something it needs is broken, and another check reports it."""


class DoctorContext:
    def __init__(self, env: Mapping[str, str], timeout_seconds: float = 10.0):
        self.env = dict(env)  # a snapshot: every check sees the same environment
        self.timeout = float(timeout_seconds)
        self._memo: dict[str, tuple[bool, Any]] = {}
        self._lock = threading.RLock()  # a part may need another (the copywriter needs the mode)

    def _once(self, key: str, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._memo:
                try:
                    self._memo[key] = (True, make())
                except (ConfigurationError, SettingsError) as error:
                    self._memo[key] = (False, error)
            done, value = self._memo[key]
        if not done:
            raise value
        return value

    @property
    def connect_timeout(self) -> int:
        return max(2, round(self.timeout))  # libpq's connect_timeout is whole seconds, at least 2

    # -- the parts -----------------------------------------------------------------------------
    def mode(self) -> str:
        try:
            return self._once("mode", lambda: current_mode(self.env).name)
        except ConfigurationError:
            raise Skip("POD_MODE is invalid (see configuration)") from None

    @property
    def production(self) -> bool:
        """False when POD_MODE is invalid too: the configuration check reports that."""
        try:
            return self.mode() != DEMO
        except Skip:
            return False

    @property
    def settings_path(self) -> str:
        return self.env.get("POD_SETTINGS") or str(DEFAULT_SETTINGS_PATH)

    def load_settings(self) -> SellerSettings:
        """Raises SettingsError (the settings check reports it). Under POD_MODE=staging, the
        staged settings: the doctor checks the stores a staging run would call."""
        def load() -> SellerSettings:
            seller = load_settings(self.settings_path)
            if self.env.get("POD_MODE", "").strip().lower() != STAGING:
                return seller
            try:
                return seller.staged()
            except ValueError as bad:
                raise SettingsError(str(bad)) from None
        return self._once("settings", load)

    def settings(self) -> SellerSettings:
        try:
            return self.load_settings()
        except SettingsError:
            raise Skip("the settings file is invalid (see settings)") from None

    def _part(self, name: str, make: Callable[[], Any]) -> Any:
        try:
            resource = self._once(name, make)
        except ConfigurationError:
            raise Skip(f"the {name} configuration is invalid (see configuration)") from None
        return Resolved(resource)

    def storage(self):
        return self._part("storage", lambda: storage_resource(self.env))

    def catalog(self):
        return self._part("catalog", lambda: catalog_resource(self.env))

    def copywriter(self):
        return self._part("copywriter", lambda: copywriter_resource(self.env, self.mode()))

    def gelato(self):
        """Raises ConfigurationError when Gelato's own variables are wrong (e.g. no key in
        production): the Gelato check reports that itself."""
        self.mode()
        return Resolved(self._once("gelato", self._gelato_resource))

    def _gelato_resource(self):
        try:
            return build_resources(self.env)["gelato"]
        except ConfigurationError:
            alone = {k: v for k, v in self.env.items() if not k.startswith(("ANTHROPIC_", "POD_ANTHROPIC_"))}
            return build_resources({**alone, **_EMBEDDED_PARTS})["gelato"]
