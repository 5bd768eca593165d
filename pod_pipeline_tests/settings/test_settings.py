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


def test_an_edit_is_read_at_the_next_load_and_an_unchanged_file_is_parsed_once(tmp_path, monkeypatch):
    import pod_pipeline.settings.loading as loading

    path = tmp_path / "settings.yaml"
    settings = yaml.safe_load(DEFAULT_SETTINGS_PATH.read_text())
    path.write_text(yaml.safe_dump(settings))
    parses = []
    real = loading.SellerSettings.model_validate
    monkeypatch.setattr(loading.SellerSettings, "model_validate", lambda raw: parses.append(1) or real(raw))
    first = load_settings(path)
    assert load_settings(path) is first and len(parses) == 1
    # An edit of the same length within the same clock tick still counts: the content is the key.
    settings["publishing"]["create_concurrency"] = 3 if first.publishing.create_concurrency != 3 else 5
    path.write_text(yaml.safe_dump(settings))
    assert load_settings(path).publishing.create_concurrency == settings["publishing"]["create_concurrency"]
    path.write_text("publishing: [")  # a bad edit is an error every time, never a stale copy
    for _ in range(2):
        with pytest.raises(SettingsError, match="not valid YAML"):
            load_settings(path)
    path.write_bytes(b"\xff\xfe not text")
    with pytest.raises(SettingsError, match="not UTF-8"):
        load_settings(path)
