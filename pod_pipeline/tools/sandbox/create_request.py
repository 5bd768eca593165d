"""Validation of the `products:create-from-template` body, with Gelato's rules from
reference/gelato-api.md. Rejections are 400s whose message names the offending field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pod_pipeline.tools.sandbox.seed import Catalog
from pod_pipeline.tools.sandbox.state import PlaceholderFile

MAX_TAGS = 13
MAX_TAG_CHARS = 255
FIT_METHODS = ("slice", "meet")
SALES_CHANNELS = ("web", "global")


class InvalidRequest(ValueError):
    pass


@dataclass
class CreateRequest:
    template: dict[str, Any]
    title: str
    description: str
    tags: list[str]
    is_visible: bool
    sales_channels: list[str]
    product_type: str | None
    vendor: str | None
    # template variant id -> placeholder name -> file; only what the caller listed
    files: dict[str, dict[str, PlaceholderFile]]


def _required_text(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"'{name}' is required and must be a non-empty string")
    return value


def _optional_text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"'{name}' must be a string")
    return value


def _tags(body: dict) -> list[str]:
    tags = body.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidRequest("'tags' must be a list of strings")
    if len(tags) > MAX_TAGS:
        raise InvalidRequest(f"'tags' has {len(tags)} items; at most {MAX_TAGS} are allowed")
    for tag in tags:
        if len(tag) > MAX_TAG_CHARS:
            raise InvalidRequest(f"tag {tag[:30]!r}... is longer than {MAX_TAG_CHARS} characters")
    return tags


def _sales_channels(body: dict) -> list[str]:
    channels = body.get("salesChannels", ["web"])
    if not isinstance(channels, list) or any(c not in SALES_CHANNELS for c in channels):
        raise InvalidRequest(f"'salesChannels' must be a list of {', '.join(SALES_CHANNELS)}")
    return channels


def _placeholder(variant: dict, item: Any, where: str) -> tuple[str, PlaceholderFile]:
    if not isinstance(item, dict):
        raise InvalidRequest(f"{where} must be an object")
    name = item.get("name")
    known = [p["name"] for p in variant["imagePlaceholders"]]
    if name not in known:
        raise InvalidRequest(
            f"{where}: image placeholder {name!r} does not exist on template variant "
            f"{variant['id']} (has: {', '.join(known)})"
        )
    url = item.get("fileUrl")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InvalidRequest(f"{where}: 'fileUrl' must be an http(s) URL")
    fit = item.get("fitMethod")
    if fit is not None and fit not in FIT_METHODS:
        raise InvalidRequest(f"{where}: 'fitMethod' must be one of {', '.join(FIT_METHODS)}")
    return name, PlaceholderFile(url, fit)


def _variant_files(body: dict, template: dict) -> dict[str, dict[str, PlaceholderFile]]:
    listed = body.get("variants")
    if listed is None:
        return {}
    if not isinstance(listed, list):
        raise InvalidRequest("'variants' must be a list")
    by_id = {v["id"]: v for v in template["variants"]}
    files: dict[str, dict[str, PlaceholderFile]] = {}
    for i, item in enumerate(listed):
        where = f"variants[{i}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"{where} must be an object")
        variant_id = item.get("templateVariantId")
        if variant_id not in by_id:
            raise InvalidRequest(f"{where}: templateVariantId {variant_id!r} is not a variant of template {template['id']}")
        if variant_id in files:
            raise InvalidRequest(f"{where}: templateVariantId {variant_id} is listed twice")
        position = item.get("position")
        if position is not None and (not isinstance(position, int) or isinstance(position, bool)):
            raise InvalidRequest(f"{where}: 'position' must be an integer")
        placeholders = item.get("imagePlaceholders", [])
        if not isinstance(placeholders, list):
            raise InvalidRequest(f"{where}: 'imagePlaceholders' must be a list")
        files[variant_id] = {}
        for j, placeholder in enumerate(placeholders):
            name, file = _placeholder(by_id[variant_id], placeholder, f"{where}.imagePlaceholders[{j}]")
            if name in files[variant_id]:
                raise InvalidRequest(f"{where}: image placeholder {name!r} is listed twice")
            files[variant_id][name] = file
    return files


def parse_create_request(body: Any, catalog: Catalog) -> CreateRequest:
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be a JSON object")
    template_id = body.get("templateId")
    if not isinstance(template_id, str) or not template_id:
        raise InvalidRequest("'templateId' is required")
    template = catalog.template_json(template_id)
    if template is None:
        # Gelato's exact status here is unknown; 400 keeps it distinct from an unknown store.
        raise InvalidRequest(f"template {template_id} not found")
    is_visible = body.get("isVisibleInTheOnlineStore", False)
    if not isinstance(is_visible, bool):
        raise InvalidRequest("'isVisibleInTheOnlineStore' must be a boolean")
    return CreateRequest(
        template=template,
        title=_required_text(body, "title"),
        description=_required_text(body, "description"),
        tags=_tags(body),
        is_visible=is_visible,
        sales_channels=_sales_channels(body),
        product_type=_optional_text(body, "productType"),
        vendor=_optional_text(body, "vendor"),
        files=_variant_files(body, template),
    )
