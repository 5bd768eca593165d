"""The hourly funnel run as the automation sensor launches it (the asset and its check in one
run of the implicit asset job), with the module loading the way definitions.py loads it."""

from dagster import DagsterInstance, Definitions, load_asset_checks_from_modules, load_assets_from_modules

from pod_pipeline.catalog.rows import now
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline.defs.operations import funnel as funnel_module
from pod_pipeline.defs.resources import CatalogResource
from pod_pipeline_tests.catalog.funnel_seed import add_artwork


def test_one_run_refreshes_the_funnel_and_runs_its_check(tmp_path):
    db = SqliteCatalog(tmp_path / "catalog.db")
    add_artwork(db, "art-1", "processing", now())
    defs = Definitions(assets=load_assets_from_modules([funnel_module]),
                       asset_checks=load_asset_checks_from_modules([funnel_module]),
                       resources={"catalog": CatalogResource(url=f"sqlite:///{db.path}")})
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=DagsterInstance.ephemeral())
    [materialization] = result.asset_materializations_for_node("funnel")
    assert materialization.metadata["uploads"].value == 1
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == "funnel_has_no_stuck_artworks" and evaluation.passed
