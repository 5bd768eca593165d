"""What Claude copy costs on the bundled sample set, computed from what would be sent.

Image tokens follow Anthropic's rule of thumb (width × height / 750 of the image actually sent,
after `prepare_image`); text tokens are the request's text (system prompt, tool schema,
instruction) at ~3.5 characters a token; output is assumed at OUTPUT_TOKENS. No API is called."""

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
from pod_pipeline.settings import load_settings

CHARS_PER_TOKEN = 3.5
OUTPUT_TOKENS = 400
BRIEFS = [ProductBrief(template_id="poster", product_type="Poster", sizes=["8x10 in", "12x16 in", "70x100 cm"]),
          ProductBrief(template_id="tee", product_type="T-shirt", sizes=["S", "M", "L", "XL"]),
          ProductBrief(template_id="mug", product_type="Mug", sizes=["11 oz", "15 oz"])]


def _request_tokens(writer: ClaudeCopywriter, request: CopyRequest) -> tuple[int, int]:
    params = writer.params(writer.first_messages(request))
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
            rows.append({"artwork": path.name, "image_tokens": image, "text_tokens": text, "input_tokens": image + text})
    mean_input = sum(r["input_tokens"] for r in rows) / len(rows)
    per_1000 = {
        name: {"sync_usd": round(1000 * estimate_cost(name, round(mean_input), OUTPUT_TOKENS), 2),
               "batch_usd": round(1000 * estimate_cost(name, round(mean_input), OUTPUT_TOKENS) * BATCH_PRICE_FACTOR, 2)}
        for name in PRICES_PER_MTOK
    }
    return {"model": model, "artworks": rows, "mean_input_tokens": round(mean_input),
            "assumed_output_tokens": OUTPUT_TOKENS, "cost_per_1000_artworks": per_1000}
