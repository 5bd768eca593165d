"""Checks that read only the environment and the settings file: nothing is contacted."""

from __future__ import annotations

import re

from pod_pipeline.tools.doctor.context import DoctorContext
from pod_pipeline.tools.doctor.report import Finding, fail, key_hint, ok, skip, warn
from pod_pipeline.defs.environment import ConfigurationError, catalog_resource, copywriter_resource, storage_resource
from pod_pipeline.defs.environment import batching_resource, build_resources
from pod_pipeline.settings.mode import DEMO, current_mode
from pod_pipeline.settings import SettingsError

FIX_VARIABLES = "set or correct the variables named (see .env.example and the README's Environment table)"
# RFC 9110 token characters: anything else cannot be a header name Gelato's dashboard sends.
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_SHORT_SECRET = 16


def check_configuration(ctx: DoctorContext) -> Finding:
    """Every variable, through the same functions start-up uses (each part on its own, so one
    bad part does not hide another), then build_resources for what only it checks (production
    naming every part)."""
    env, problems = ctx.env, []
    mode = None
    try:
        mode = current_mode(env)
    except ConfigurationError as error:
        problems.append(str(error))
    mode_name = mode.name if mode else DEMO
    parts = {}
    for part, build in (("storage", storage_resource), ("catalog", catalog_resource),
                        ("copywriter", lambda e: copywriter_resource(e, mode_name))):
        try:
            parts[part] = build(env)
        except ConfigurationError as error:
            problems.append(str(error))
    if mode:
        try:
            build_resources(env)
        except ConfigurationError as error:
            if str(error) not in problems:
                problems.append(str(error))
    try:
        batching_resource(env)
    except ConfigurationError as error:
        if str(error) not in problems:
            problems.append(str(error))
    if problems:
        return fail("; ".join(problems), FIX_VARIABLES)
    catalog_kind = "SQLite" if parts["catalog"].url.startswith("sqlite") else "Postgres"
    copywriter = parts["copywriter"].kind or "from the settings"
    return ok(f"{mode.description}; storage {parts['storage'].kind}, catalog {catalog_kind}, copywriter {copywriter}")


def check_settings(ctx: DoctorContext) -> Finding:
    try:
        settings = ctx.load_settings()
    except SettingsError as error:
        return fail(str(error).replace("\n  ", "; "),
                    f"correct the fields named in {ctx.settings_path} (POD_SETTINGS); re-check with "
                    f"`pod-pipeline validate-settings {ctx.settings_path}`")
    found = (f"{ctx.settings_path}: stores {', '.join(s.name for s in settings.all_stores())}, "
             f"{len(settings.templates)} templates, "
             f"{len(settings.markets)} markets, copywriter {settings.copywriter.kind}")
    if not ctx.env.get("POD_SETTINGS") and ctx.production:
        return warn(f"POD_SETTINGS is not set: the bundled example is in use ({found})",
                    "set POD_SETTINGS to the seller's settings YAML (see pod_pipeline/settings/default.yaml)")
    return ok(found)


def check_webhook_secret(ctx: DoctorContext) -> Finding:
    secret = ctx.env.get("GELATO_WEBHOOK_SECRET", "")
    header = ctx.env.get("GELATO_WEBHOOK_HEADER", "signature")
    how = (f"generate one (`openssl rand -hex 32`), set GELATO_WEBHOOK_SECRET, and put the same value in the "
           f"custom header {header!r} (GELATO_WEBHOOK_HEADER) of Gelato's webhook settings")
    if not _HEADER_NAME.match(header):
        return fail(f"GELATO_WEBHOOK_HEADER {header!r} is not a valid HTTP header name",
                    "set GELATO_WEBHOOK_HEADER to the custom header's name in Gelato's webhook settings (default "
                    "signature)")
    if not secret:
        if ctx.production:
            return fail("GELATO_WEBHOOK_SECRET is not set: `pod-pipeline webhooks` refuses to start, and product "
                        "statuses arrive only by polling", how)
        return skip("GELATO_WEBHOOK_SECRET is not set: only `pod-pipeline webhooks` needs it (demo and dev set "
                    "their own)")
    if len(secret) < _SHORT_SECRET:
        return warn(f"GELATO_WEBHOOK_SECRET is only {len(secret)} characters: anyone who guesses it can post "
                    "events", how)
    return ok(f"GELATO_WEBHOOK_SECRET set ({len(secret)} characters), header {header!r}")


def check_sentry(ctx: DoctorContext) -> Finding:
    dsn = ctx.env.get("SENTRY_DSN", "")
    if not dsn:
        return skip("SENTRY_DSN is not set: errors are not reported to Sentry (optional)")
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        parsed = Dsn(dsn)
    except BadDsn as error:
        return fail(f"SENTRY_DSN is not a valid DSN ({error})",
                    "copy the DSN from Sentry (Project settings → Client Keys), "
                    "https://<key>@<host>/<project id>, or unset SENTRY_DSN")
    return ok(f"SENTRY_DSN: project {parsed.project_id} on {parsed.host}")


def check_storefront(ctx: DoctorContext) -> Finding:
    """Each store's marketplace credentials: named in the settings, set in the environment."""
    found, unset, quiet = [], [], []
    for store in ctx.settings().all_stores():
        where = f"store {store.name} ({store.marketplace})"
        if not store.pushes_prices():
            quiet.append(where)
            continue
        values = {role: ctx.env.get(name, "") for role, name in store.credentials.items()}
        unset += [f"{where}: {store.credentials[role]} not set" for role, value in values.items() if not value]
        found.append(f"{where}: prices pushed with "
                     + ", ".join(f"{store.credentials[role]} {key_hint(value)}" for role, value in values.items()))
    if unset:
        return fail("; ".join(unset), "set them (the stores' marketplace credentials), "
                    "for the code server and the run workers alike")
    if quiet and ctx.mode() != DEMO:
        return warn(f"{', '.join(quiet)}: retail prices are not pushed, so buyers see the template's price",
                    "name the store's credential variables under stores[].credentials (docs/storefronts.md) "
                    "and set them")
    notes = found + [f"{where}: retail prices are not pushed (the settings name no credentials)" for where in quiet]
    return ok("; ".join(notes))
