"""What Claude copy costs on the bundled sample set, computed from what would be sent.

Image tokens follow Anthropic's rule of thumb (width × height / 750 of the image actually sent,
after `prepare_image`); text tokens are the request's text (system prompt, tool schema,
instruction) at ~3.5 characters a token; output is assumed at OUTPUT_TOKENS. No API is called.

Beside it, copy for two marketplaces (an Etsy and a Shopify store) against one: the same image
and one request, with the per-marketplace instruction and tool schema, and the output estimated
from the tool input the offline copywriter writes for each (the shared copy, plus Shopify's own
title and tags), at the same characters per token."""

from __future__ import annotations

import base64
import io
import json
import tempfile
from pathlib import Path

import anthropic
from PIL import Image

from pod_pipeline.artwork.inspection import ArtworkRejected, process_artwork
from pod_pipeline.artwork.samples import write_sample_set
from pod_pipeline.listing.claude import BATCH_PRICE_FACTOR, PRICES_PER_MTOK, ClaudeCopywriter, estimate_cost
from pod_pipeline.listing.model import CopyRequest, ProductBrief
from pod_pipeline.listing.offline import OfflineCopywriter
from pod_pipeline.settings import load_settings

CHARS_PER_TOKEN = 3.5
OUTPUT_TOKENS = 400
BRIEFS = [ProductBrief(template_id="poster", product_type="Poster", sizes=["8x10 in", "12x16 in", "70x100 cm"]),
          ProductBrief(template_id="tee", product_type="T-shirt", sizes=["S", "M", "L", "XL"]),
          ProductBrief(template_id="mug", product_type="Mug", sizes=["11 oz", "15 oz"])]


def _request_tokens(writer: ClaudeCopywriter, request: CopyRequest) -> tuple[int, int]:
    params = writer.params(writer.first_messages(request), request.marketplaces)
    image_tokens, text = 0, json.dumps({k: params[k] for k in ("system", "tools")})
    for block in params["messages"][0]["content"]:
        if block["type"] == "image":
            with Image.open(io.BytesIO(base64.b64decode(block["source"]["data"]))) as sent:
                image_tokens += round(sent.width * sent.height / 750)
        else:
            text += block.get("text", "")
    return image_tokens, round(len(text) / CHARS_PER_TOKEN)


def measure_copy_cost(model: str = "claude-haiku-5-5") -> dict:
    settings = load_settings()
    writer = ClaudeCopywriter(anthropic.Anthropic(api_key="unused"), model, settings.listing)
    offline = OfflineCopywriter(settings.listing)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in write_sample_set(Path(tmp)):
            try:
                processed = process_artwork(path, settings.print)
            except ArtworkRejected:
                continue  # rejected files never reach the copywriter
            request = CopyRequest(artwork_id=path.stem, file_name=path.name, width=processed.info.width,
                                  height=processed.info.height, dominant_colors=processed.dominant_colors,
                                  preview_jpeg=processed.preview_jpeg, products=BRIEFS,
                                  brand_voice=settings.listing.brand_voice, banned_words=settings.listing.banned_words)
            image, text = _request_tokens(writer, request)
            row = {"artwork": path.name, "image_tokens": image, "text_tokens": text, "input_tokens": image + text}
            two = request.model_copy(update={"marketplaces": ["shopify"]})
            _, two_text = _request_tokens(writer, two)
            row.update(output_tokens=_output_tokens(offline, request), two_input_tokens=image + two_text,
                       two_output_tokens=_output_tokens(offline, two))
            rows.append(row)
    mean_input = sum(r["input_tokens"] for r in rows) / len(rows)
    per_1000 = {
        name: {"sync_usd": round(1000 * estimate_cost(name, round(mean_input), OUTPUT_TOKENS), 2),
               "batch_usd": round(1000 * estimate_cost(name, round(mean_input), OUTPUT_TOKENS) * BATCH_PRICE_FACTOR, 2)}
        for name in PRICES_PER_MTOK
    }
    mean = {key: sum(r[key] for r in rows) / len(rows)
            for key in ("input_tokens", "output_tokens", "two_input_tokens", "two_output_tokens")}
    one_cost = estimate_cost(model, round(mean["input_tokens"]), round(mean["output_tokens"]))
    two_cost = estimate_cost(model, round(mean["two_input_tokens"]), round(mean["two_output_tokens"]))
    return {"model": model, "artworks": rows, "mean_input_tokens": round(mean_input),
            "assumed_output_tokens": OUTPUT_TOKENS, "cost_per_1000_artworks": per_1000,
            "marketplaces": {
                "requests_per_artwork": {"one_marketplace": 1, "etsy_and_shopify": 1},
                "one_marketplace": {"input_tokens": round(mean["input_tokens"]),
                                    "output_tokens": round(mean["output_tokens"]), "usd_per_1000": round(1000 * one_cost, 3)},
                "etsy_and_shopify": {"input_tokens": round(mean["two_input_tokens"]),
                                     "output_tokens": round(mean["two_output_tokens"]),
                                     "usd_per_1000": round(1000 * two_cost, 3)},
                "cost_ratio": round(two_cost / one_cost, 3) if one_cost else None,
            }}


def _output_tokens(offline: OfflineCopywriter, request: CopyRequest) -> int:
    """What the model's tool input would weigh: the offline copy of the same request, as JSON,
    with what the tool asks of each marketplace (its title and tags; product titles stay shared)."""
    listing = offline.write(request).listing.model_dump(exclude_defaults=True)
    for own in listing.get("marketplaces", {}).values():
        own.pop("product_titles", None)
    return round(len(json.dumps(listing, ensure_ascii=False)) / CHARS_PER_TOKEN)
