from decimal import Decimal

import pytest
import yaml

from pod_pipeline.settings import DEFAULT_SETTINGS_PATH, SettingsError, load_settings


def write(tmp_path, data):
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_bundled_settings_are_valid():
    settings = load_settings(DEFAULT_SETTINGS_PATH)
    assert len(settings.templates) == 3
    assert settings.margin_for(settings.templates[1].id) == Decimal("0.40")
    assert settings.margin_for(settings.templates[0].id) == settings.pricing.margin


@pytest.mark.parametrize("patch, field", [
    ({"pricing": {"margin": 1.5}}, "pricing.margin"),
    ({"markets": [{"country": "usa", "currency": "USD"}]}, "markets.0.country"),
    ({"templates": []}, "templates"),
    ({"print": {"min_dpi": 300, "target_dpi": 150}}, "print"),
    ({"print": {"fit_method": "stretch"}}, "print.fit_method"),
    ({"pricing": {"margn": 0.3}}, "pricing.margn"),
])
def test_invalid_settings_name_the_bad_field(tmp_path, patch, field):
    data = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    for key, value in patch.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) else value
    with pytest.raises(SettingsError) as error:
        load_settings(write(tmp_path, data))
    assert f"  {field}:" in str(error.value)


def test_settings_path_from_environment(tmp_path, monkeypatch):
    data = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    data["store_id"] = "my-store"
    monkeypatch.setenv("POD_SETTINGS", str(write(tmp_path, data)))
    assert load_settings().store_id == "my-store"


def test_missing_and_malformed_files_are_clear(tmp_path):
    with pytest.raises(SettingsError, match="cannot read settings file"):
        load_settings(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("store_id: [unclosed")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings(bad)


def test_a_template_margin_must_leave_room_for_fees(tmp_path):
    data = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    data["templates"][0]["margin"] = 0.95
    with pytest.raises(SettingsError, match="templates.0.margin"):
        load_settings(write(tmp_path, data))
