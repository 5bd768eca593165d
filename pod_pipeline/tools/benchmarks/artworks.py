"""Artworks for the benchmarks and the soak: small, distinct, printable JPEGs (each its own
colour, so each is its own artwork), and optionally the odd broken upload."""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def write_artworks(folder: Path, count: int, *, stem: str, size: tuple[int, int],
                   bad_every: int | None = None) -> list[Path]:
    """`count` files in `folder`; with `bad_every`, every that-many-th is a text file named
    like a PNG (rejections are part of every real batch)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        if bad_every and index % bad_every == bad_every - 1:
            path = folder / f"{stem}-notes-{index:04}.png"
            path.write_text(f"shopping list {index}\n")
        else:
            path = folder / f"{stem}-{index:04}.jpg"
            colour = ((index * 37) % 256, (index * 91) % 256, (index * 53) % 256)
            Image.new("RGB", size, colour).save(path, quality=85)
        paths.append(path)
    return paths
