from pathlib import Path

from PIL import Image

from pod_pipeline.artwork.inspection import process_artwork
from pod_pipeline.defs.publishing.artworks import store_print_file
from pod_pipeline.settings import PrintRules
from pod_pipeline.storage.local import LocalFolderStorage


def upload(bucket: Path, name: str, fmt: str) -> tuple[str, Path]:
    path = bucket / "u" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (600, 400), (200, 120, 40)).save(path, format=fmt)
    return f"u/{name}", path


def test_a_print_ready_file_is_sent_as_a_copy_named_and_typed_for_its_content(tmp_path):
    """Never the upload itself: Storage serves it with whatever type its client sent (text/plain
    from supabase-py by default), and the artist may overwrite it before Gelato fetches it."""
    bucket = LocalFolderStorage(tmp_path)
    path, local = upload(tmp_path, "art.jpeg", "JPEG")
    print_path = store_print_file(bucket, "a", path, local, process_artwork(local, PrintRules()))
    assert print_path.startswith("u/_pipeline/a/print-") and print_path.endswith(".jpg")
    assert (tmp_path / print_path).read_bytes() == local.read_bytes()
    # Same content, same name (an idempotent retry); new content, a new name.
    assert store_print_file(bucket, "a", path, local, process_artwork(local, PrintRules())) == print_path
    Image.new("RGB", (600, 400), (10, 20, 30)).save(local, format="JPEG")
    assert store_print_file(bucket, "a", path, local, process_artwork(local, PrintRules())) != print_path


def test_a_jpeg_wearing_a_png_name_gets_a_correctly_named_copy(tmp_path):
    bucket = LocalFolderStorage(tmp_path)
    path, local = upload(tmp_path, "art.png", "JPEG")
    print_path = store_print_file(bucket, "a", path, local, process_artwork(local, PrintRules()))
    assert print_path.startswith("u/_pipeline/a/print-") and print_path.endswith(".jpg")
    assert (tmp_path / print_path).read_bytes() == local.read_bytes()


def test_a_normalised_print_file_wins(tmp_path):
    bucket = LocalFolderStorage(tmp_path)
    path = tmp_path / "u" / "cmyk.jpg"
    path.parent.mkdir(parents=True)
    Image.new("CMYK", (600, 400), (0, 50, 100, 0)).save(path, format="JPEG")
    processed = process_artwork(path, PrintRules())
    print_path = store_print_file(bucket, "a", "u/cmyk.jpg", path, processed)
    assert print_path.startswith("u/_pipeline/a/print-") and print_path.endswith(".png")
    with Image.open(tmp_path / print_path) as printed:
        assert printed.mode in ("RGB", "RGBA")
