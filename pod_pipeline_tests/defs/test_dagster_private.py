"""The private Dagster APIs fenced in `defs/dagster_private.py`, checked by what the pipeline
needs of them: if an upgrade changes one, this file fails, not a seller's batch."""

from dagster import (
    AssetIn,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    DynamicPartitionsDefinition,
    Definitions,
    asset,
    define_asset_job,
    instance_for_test,
)

from pod_pipeline.defs.dagster_private import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    InstigatorType,
    PickledObjectFilesystemIOManager,
    add_partition_metadata,
    add_partitions_metadata,
)
from pod_pipeline.defs.io_manager import PodIOManager

PARTS = DynamicPartitionsDefinition(name="fence_parts")
KEYS = ["a", "b", "c", "d"]


@asset(partitions_def=PARTS, backfill_policy=BackfillPolicy.single_run())
def upstream(context: AssetExecutionContext) -> dict:
    for key in context.partition_keys:
        add_partition_metadata(context, key, {"which": key})
    add_partitions_metadata(context, {key: {"bulk": key.upper()} for key in context.partition_keys})
    return {key: f"value-{key}" for key in context.partition_keys if key != "c"}  # "c" stopped


@asset(partitions_def=PARTS, backfill_policy=BackfillPolicy.single_run(),
       ins={"upstream": AssetIn(metadata={"allow_missing_partitions": True})})
def downstream(context: AssetExecutionContext, upstream: dict) -> dict:
    return {key: value.upper() for key, value in upstream.items()}


def test_the_private_apis_still_do_what_the_pipeline_needs(tmp_path):
    assert (ASSET_PARTITION_RANGE_START_TAG, ASSET_PARTITION_RANGE_END_TAG) == (
        "dagster/asset_partition_range_start", "dagster/asset_partition_range_end")
    for name in ("_get_paths_for_partitions", "dump_to_path", "load_from_path", "load_partitions", "handle_output"):
        assert callable(getattr(PickledObjectFilesystemIOManager, name)), name

    job = define_asset_job("fence", selection=[upstream, downstream])
    defs = Definitions(assets=[upstream, downstream], jobs=[job],
                       resources={"io_manager": PodIOManager(base_dir=str(tmp_path / "values"))})
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(PARTS.name, KEYS)
        # The range tags make one run over b..d, as the upload sensor's batches do.
        result = defs.resolve_job_def("fence").execute_in_process(
            instance=instance, tags={ASSET_PARTITION_RANGE_START_TAG: "b", ASSET_PARTITION_RANGE_END_TAG: "d"})
        assert result.success
        by_partition = {m.partition: m.metadata for m in result.asset_materializations_for_node("upstream")}
        assert sorted(by_partition) == ["b", "c", "d"]  # the range, and only it
        assert {key: meta["which"].value for key, meta in by_partition.items()} == {"b": "b", "c": "c", "d": "d"}
        assert {key: meta["bulk"].value for key, meta in by_partition.items()} == {"b": "B", "c": "C", "d": "D"}
        assert result.output_for_node("downstream") == {"b": "VALUE-B", "d": "VALUE-D"}
        # One pickle per partition; a stopped one stores nothing for the next run to read.
        stored = sorted(p.name for p in (tmp_path / "values" / "upstream").iterdir())
        assert stored == ["b", "d"]
        assert instance.get_latest_materialization_event(AssetKey("downstream")) is not None


def test_sensor_states_are_read_by_instigator_type():
    # The demo counts its daemon's ticks so (test_demo.py checks the count against a real daemon).
    with instance_for_test() as instance:
        assert InstigatorType.SENSOR.value == "SENSOR"
        assert instance.all_instigator_state(instigator_type=InstigatorType.SENSOR) == []


def test_a_sensor_is_given_only_the_resources_it_needs_and_theirs():
    """As the daemon's code server: the upload sensor's resources, not the whole code location's."""
    from pod_pipeline.definitions import build_definitions
    from pod_pipeline.defs.dagster_private import sensor_resources

    defs = build_definitions({"POD_MODE": "demo"})
    sensor = defs.resolve_sensor_def("upload_sensor")
    built = sensor_resources(defs, sensor)
    assert set(built) == set(sensor.required_resource_keys) == {"storage", "catalog", "batching"}
    assert len(defs.resources) > len(built)

    from dagster import resource, sensor as make_sensor

    @resource(required_resource_keys={"inner"})
    def outer(init_context):
        return init_context.resources.inner

    @make_sensor(job_name="nothing", required_resource_keys={"outer"})
    def needs_outer(context):
        return None

    nested = Definitions(assets=[upstream], sensors=[needs_outer], jobs=[define_asset_job("nothing", selection=[upstream])],
                         resources={"outer": outer, "inner": "inner value", "unused": "not built"})
    assert set(sensor_resources(nested, needs_outer)) == {"outer", "inner"}
