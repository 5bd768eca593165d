"""Gelato (reachable, key accepted, store and every configured template there) and Anthropic
(reachable, key accepted, model alive), each with the cheapest authenticated GET there is."""

from __future__ import annotations

from urllib.parse import urlsplit

from pod_pipeline.tools.doctor.context import DoctorContext
from pod_pipeline.tools.doctor.report import Finding, fail, key_hint, ok, skip, warn
from pod_pipeline.defs.environment import ConfigurationError
from pod_pipeline.gelato.client import GelatoClient
from pod_pipeline.gelato.errors import GelatoAuthError, GelatoError, GelatoNetworkError, GelatoNotFound
from pod_pipeline.settings.mode import SANDBOX_DEFAULT_URL

GELATO_KEY_FIX = "set GELATO_API_KEY to a key from the Gelato dashboard (Developer → API keys)"


def _client(gelato, ctx: DoctorContext) -> GelatoClient:
    # One attempt: the doctor reports what is there now, it does not ride out an outage.
    return GelatoClient(gelato.api_key, ecommerce_url=gelato.ecommerce_url, product_url=gelato.product_url,
                        timeout_seconds=ctx.timeout, max_attempts=1)


def _unreachable(ctx: DoctorContext, url: str, error: GelatoError) -> Finding:
    if ctx.production:
        fix = "check network access to Gelato (GELATO_ECOMMERCE_URL / GELATO_PRODUCT_URL if overridden)"
    else:
        port = urlsplit(ctx.env.get("POD_SANDBOX_URL", SANDBOX_DEFAULT_URL)).port or 8790
        fix = (f"start it: `pod-pipeline dev` (the sandbox, the bucket server and Dagster together), or "
               f"`pod-pipeline sandbox --port {port}`; or set POD_SANDBOX_URL to where it runs")
        if not error.request_sent:  # nothing listens there: not broken, just not started
            return warn(f"the Gelato sandbox is not running at {url} (demo mode)", fix)
    return fail(f"Gelato at {url} cannot be reached: {error}", fix)


def _refused_key(api_key: str, error: GelatoError) -> Finding:
    return fail(f"Gelato refused GELATO_API_KEY {key_hint(api_key)} (HTTP {error.status})", GELATO_KEY_FIX)


def check_gelato(ctx: DoctorContext) -> Finding:
    """The key against the seller's store: one page of one product."""
    settings = ctx.settings()
    try:
        gelato = ctx.gelato()
    except ConfigurationError as error:
        return fail(str(error), GELATO_KEY_FIX)
    api_key, url = gelato.api_key, gelato.ecommerce_url
    stores = settings.all_stores()
    with _client(gelato, ctx) as client:
        for store in stores:  # one product page per store: the key may reach some and not others
            store_id = store.gelato_store_id
            try:
                next(iter(client.iter_products(store_id, page_size=1)), None)
            except GelatoNetworkError as error:
                return _unreachable(ctx, url, error)
            except GelatoAuthError as error:
                if error.status == 403:
                    return fail(f"GELATO_API_KEY {key_hint(api_key)} may not use store {store.name} ({store_id}) "
                                "(HTTP 403)", "use a key of the account that owns the store, or correct its id in "
                                "the settings")
                return _refused_key(api_key, error)
            except GelatoNotFound:
                return fail(f"Gelato has no store {store.name} ({store_id}) for this key",
                            f"set the store's id in {ctx.settings_path} (Gelato dashboard → Stores)")
            except GelatoError as error:
                return fail(f"Gelato answered {error.status}: {error}", "run the doctor again; if it persists, "
                            "check Gelato's status page")
    return ok(f"{url}: GELATO_API_KEY {key_hint(api_key)} accepted, "
              + ", ".join(f"store {s.gelato_store_id} ({s.name})" for s in stores) + " found")


def check_gelato_templates(ctx: DoctorContext) -> Finding:
    """Every template the settings name exists in Gelato, with the placeholders they name."""
    settings = ctx.settings()
    try:
        gelato = ctx.gelato()
    except ConfigurationError as error:
        return fail(str(error), GELATO_KEY_FIX)
    api_key, url = gelato.api_key, gelato.ecommerce_url
    missing, bad_placeholders, found = [], [], []
    with _client(gelato, ctx) as client:
        for choice in settings.templates:
            try:
                template = client.get_template(choice.id)
            except GelatoNotFound:
                missing.append(choice.id)
                continue
            except GelatoNetworkError as error:
                return _unreachable(ctx, url, error)
            except GelatoAuthError as error:
                return _refused_key(api_key, error)
            except GelatoError as error:
                return fail(f"Gelato answered {error.status} for template {choice.id}: {error}",
                            "run the doctor again; if it persists, check Gelato's status page")
            found.append(template.title or template.template_name)
            names = {p.name for v in template.variants for p in v.image_placeholders}
            unknown = sorted(set(choice.placeholders or []) - names)
            if unknown:
                bad_placeholders.append(f"{choice.id} has no placeholder {', '.join(unknown)} "
                                        f"(it has {', '.join(sorted(names)) or 'none'})")
    where = f"the settings ({ctx.settings_path})"
    if missing:
        return fail(f"{len(missing)} of {len(settings.templates)} templates in {where} do not exist in Gelato: "
                    f"{', '.join(missing)}",
                    "correct or remove those ids under templates: (ids from Gelato dashboard → Templates)")
    if bad_placeholders:
        return fail("; ".join(bad_placeholders),
                    "set templates[].placeholders to names the template has, or remove the key")
    return ok(f"all {len(found)} templates found: {', '.join(found)}")


def check_anthropic(ctx: DoctorContext) -> Finding:
    settings = ctx.settings()
    copywriter = ctx.copywriter()
    kind = copywriter.chosen_kind(settings.copywriter)
    if kind != "claude":
        return skip(f"the copywriter is {kind} (POD_COPYWRITER, else copywriter.kind in the settings): no key needed")
    model = settings.copywriter.demo_model if copywriter.mode == "demo" else settings.copywriter.production_model
    if not copywriter.api_key:
        return fail("the copywriter is claude (settings copywriter.kind) but ANTHROPIC_API_KEY is not set",
                    "set ANTHROPIC_API_KEY (console.anthropic.com → API keys), or POD_COPYWRITER=offline")
    import anthropic

    from pod_pipeline.listing.claude import CopywriterConfigError, build_client, check_model

    where = copywriter.base_url or "api.anthropic.com"
    hint = key_hint(copywriter.api_key)
    client = build_client(copywriter.api_key, copywriter.base_url, max_retries=0, timeout=ctx.timeout)
    try:
        warning = check_model(client, model)
    except CopywriterConfigError as error:
        return fail(f"{where}: {error}", _anthropic_fix(error.__cause__, model))
    except anthropic.APIConnectionError as error:
        return fail(f"Anthropic at {where} cannot be reached: {type(error).__name__}",
                    "check network access to it (ANTHROPIC_BASE_URL when set)")
    except anthropic.APIStatusError as error:
        return warn(f"Anthropic at {where} answered {error.status_code}: the key {hint} was not verified",
                    "run the doctor again (overloaded or rate limited)")
    finally:
        client.close()
    if warning:
        return warn(f"{where}: ANTHROPIC_API_KEY {hint} accepted; {warning}",
                    "set copywriter.production_model / demo_model in the settings to a current model id")
    return ok(f"{where}: ANTHROPIC_API_KEY {hint} accepted, model {model} available")


def _anthropic_fix(cause: BaseException | None, model: str) -> str:
    import anthropic

    if isinstance(cause, anthropic.AuthenticationError):
        return "set ANTHROPIC_API_KEY to a valid key (console.anthropic.com → API keys), or POD_COPYWRITER=offline"
    if isinstance(cause, anthropic.PermissionDeniedError):
        return f"give the key's workspace access to {model}, or choose another model in the settings"
    return f"set copywriter.production_model / demo_model in the settings to a current model id (not {model})"

