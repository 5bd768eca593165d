import psycopg2

from pod_pipeline.tools.benchmarks.sensor_scan import measure_sensor_scan
from pod_pipeline.tools.storage_standin import DEFAULT_ADMIN_URL


def bench_databases() -> list[str]:
    with psycopg2.connect(DEFAULT_ADMIN_URL) as conn, conn.cursor() as cur:
        cur.execute("select datname from pg_database where datname like 'pod_bench_sensor%'")
        names = [name for (name,) in cur.fetchall()]
    conn.close()
    return names


def test_a_tick_finds_the_new_uploads_among_existing_objects():
    before = bench_databases()
    report = measure_sensor_scan(existing=1000, new=100)
    assert report["existing"] == 1000 and report["new"] == 100
    assert report["found"] == 100
    assert 0 < report["query_seconds"] and 0 < report["tick_seconds"] < 5
    assert "Seq Scan" in report["plan"]  # no index on updated_at, as on hosted Supabase
    # The real upload_sensor, over the same table, requests every new upload exactly once.
    assert report.get("sensor_error") is None and report["sensor_found"] == 100
    assert bench_databases() == before  # the throw-away database is gone
