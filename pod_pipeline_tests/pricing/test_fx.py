from datetime import date
from decimal import Decimal as D

import pytest

from pod_pipeline.pricing.fx import FxError, load_rates
from pod_pipeline.settings import SettingsError, load_settings
from pod_pipeline.settings.pricing import FxSettings

ECB_XML = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube>
    <Cube time="2026-11-23"><Cube currency="USD" rate="1.0700"/></Cube>
    <Cube time="2026-11-24"><Cube currency="USD" rate="1.0812"/><Cube currency="SEK" rate="11.452"/></Cube>
  </Cube>
</gesmes:Envelope>"""
ECB_CSV = "Date, USD, JPY, SEK, \n24 November 2026, 1.0812, 162.41, 11.452, \n"


@pytest.mark.parametrize("name, text", [("eurofxref-daily.xml", ECB_XML), ("eurofxref.csv", ECB_CSV)])
def test_ecb_files_give_the_newest_day_and_its_date(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    rates = load_rates(FxSettings(rates_file=str(tmp_path / name)))
    assert rates.as_of == date(2026, 11, 24)
    assert rates.rate("EUR", "USD") == D("1.0812")
    assert rates.rate("USD", "SEK") == (D("11.452") / D("1.0812")).quantize(D("0.00000001"))
    assert name in rates.source


def test_inline_rates_win_and_the_older_date_is_recorded(tmp_path):
    (tmp_path / "rates.xml").write_text(ECB_XML)
    rates = load_rates(FxSettings(rates_file=str(tmp_path / "rates.xml"), rates={"USD": D("1.10")},
                                  as_of=date(2026, 11, 20)))
    assert rates.rate("EUR", "USD") == D("1.10")
    assert rates.as_of == date(2026, 11, 20)


def test_missing_rate_names_the_currency_and_the_fix():
    with pytest.raises(FxError, match="no exchange rate for NOK.*pricing.fx.rates"):
        load_rates(FxSettings(rates={"USD": D("1.1")}, as_of=date(2026, 1, 1))).rate("USD", "NOK")


@pytest.mark.parametrize("text, message", [("<notecb/>", "not an ECB"), ("Date\n", "not an ECB"), ("<<", "not valid XML")])
def test_unreadable_rate_files_are_clear_errors(tmp_path, text, message):
    path = tmp_path / ("r.csv" if text.startswith("Date") else "r.xml")
    path.write_text(text)
    with pytest.raises(FxError, match=message):
        load_rates(FxSettings(rates_file=str(path)))


def test_inline_rates_need_a_date():
    with pytest.raises(ValueError, match="as_of"):
        FxSettings(rates={"USD": D("1.1")})


def test_a_relative_rates_file_is_read_next_to_the_settings_file(tmp_path):
    (tmp_path / "eurofxref.csv").write_text(ECB_CSV)
    settings_file = tmp_path / "seller.yaml"
    settings_file.write_text("store_id: s\ntemplates: [{id: t}]\npricing:\n  fx: {rates_file: eurofxref.csv}\n")
    seller = load_settings(settings_file)
    assert load_rates(seller.pricing.fx).rate("EUR", "JPY") == D("162.41")


def test_pricing_settings_errors_name_the_field(tmp_path):
    settings_file = tmp_path / "seller.yaml"
    settings_file.write_text("store_id: s\ntemplates: [{id: t}]\nmarkets: [{country: US, currency: USD, "
                             "marketplace: ebay}]\n")
    with pytest.raises(SettingsError, match="ebay"):
        load_settings(settings_file)
