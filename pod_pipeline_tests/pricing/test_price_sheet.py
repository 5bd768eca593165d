import csv

from pod_pipeline.catalog.rows import ArtworkRow
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.tools.cli import main
from pod_pipeline_tests.pricing.test_repricing import price_once, seller


def test_price_sheet_command_writes_one_csv_per_currency(tmp_path, monkeypatch, capsys):
    db = SqliteCatalog(tmp_path / "catalog.db")
    db.upsert_artwork(ArtworkRow(id="art-1", user_id="u", path="u/a.png", version="1"))
    priced = price_once(seller(markets=[{"country": "US", "currency": "USD"}, {"country": "GB", "currency": "GBP"}]))
    db.write_prices(priced.changes, priced.removals, "US")
    monkeypatch.delenv("POD_SETTINGS", raising=False)  # the bundled settings' store id
    monkeypatch.setenv("POD_CATALOG_URL", f"sqlite:///{tmp_path / 'catalog.db'}")

    assert main(["price-sheet", "--out", str(tmp_path / "sheets")]) == 0
    files = sorted((tmp_path / "sheets").iterdir())
    assert [f.name for f in files] == ["prices-6d1c9a3e-4f2b-4b8a-9e7d-0a5c3b2f1e84-GBP.csv",
                                       "prices-6d1c9a3e-4f2b-4b8a-9e7d-0a5c3b2f1e84-USD.csv"]
    rows = list(csv.DictReader(files[1].open()))
    assert {r["price"] for r in rows} == {"17.50", "34.17"} and {r["currency"] for r in rows} == {"USD"}
    assert "2 prices" in capsys.readouterr().out


def test_price_sheet_with_nothing_priced_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POD_CATALOG_URL", f"sqlite:///{tmp_path / 'catalog.db'}")
    assert main(["price-sheet", "--out", str(tmp_path / "sheets")]) == 0
    assert "no prices stored yet" in capsys.readouterr().err
