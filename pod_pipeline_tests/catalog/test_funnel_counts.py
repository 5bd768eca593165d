"""The funnel query on both catalogs: exact counts per stage and upload day, running totals,
the window, and the stuck-artwork lookup."""

import sqlite3
from datetime import datetime, time, timedelta, timezone

import psycopg2
import pytest

from pod_pipeline.catalog import postgres, sqlite
from pod_pipeline.catalog.funnel import FUNNEL_STAGES
from pod_pipeline.catalog.rows import ArtworkRow, now
from pod_pipeline.catalog.sqlite import SqliteCatalog
from pod_pipeline_tests.catalog.funnel_seed import USER, add_artwork, catalog, seed_funnel, set_times  # noqa: F401


def test_each_upload_day_counts_how_far_its_artworks_got(catalog):
    seeded = seed_funnel(catalog)
    first = seeded.days[0]
    rows = catalog.funnel_counts(datetime.combine(first, time(0), tzinfo=timezone.utc))
    assert [r.day for r in rows] == list(seeded.days)  # the 40-day-old artwork is before the window
    assert {r.day: tuple(r.counts[s] for s in FUNNEL_STAGES) for r in rows} == seeded.expected
    running = [0] * len(FUNNEL_STAGES)
    for row in rows:
        running = [t + row.counts[s] for t, s in zip(running, FUNNEL_STAGES)]
        assert tuple(row.totals[s] for s in FUNNEL_STAGES) == tuple(running)
    assert rows[-1].totals == dict(zip(FUNNEL_STAGES, (10, 7, 6, 5, 4, 3)))


def test_the_window_starts_exactly_at_since_and_reaches_older_uploads_when_asked(catalog):
    seeded = seed_funnel(catalog)
    second = seeded.days[1]
    at_midnight = datetime.combine(second, time(0), tzinfo=timezone.utc)
    assert catalog.funnel_counts(at_midnight)[0].counts["uploads"] == 4  # one was created at 00:00 sharp
    assert catalog.funnel_counts(at_midnight + timedelta(microseconds=1))[0].counts["uploads"] == 3
    # a naive time is UTC
    assert catalog.funnel_counts(at_midnight.replace(tzinfo=None))[0].counts["uploads"] == 4
    everything = catalog.funnel_counts(now() - timedelta(days=60))
    assert len(everything) == 4 and everything[-1].totals["live"] == 4


def test_an_empty_window_is_empty_and_only_daily_buckets_exist(catalog):
    assert catalog.funnel_counts(now() - timedelta(days=30)) == []
    with pytest.raises(ValueError, match="only 'day'"):
        catalog.funnel_counts(now(), bucket="week")


def test_a_re_upload_keeps_its_first_upload_day(catalog):
    add_artwork(catalog, "art-1", "published", now() - timedelta(days=5))
    catalog.upsert_artwork(ArtworkRow(id="art-1", user_id=USER, path=f"{USER}/art-1.png", version="v2",
                                      status="processing"))
    catalog.set_artwork_status("art-1", "rejected", "too small")
    [row] = catalog.funnel_counts(now() - timedelta(days=10))
    assert row.day == (now() - timedelta(days=5)).date()


def test_stuck_artworks_are_the_unsettled_ones_not_updated_since_longest_first(catalog):
    for name, status, idle in [("stuck-processing", "processing", 300), ("stuck-publishing", "publishing", 90),
                               ("busy", "publishing", 5), ("old-but-done", "published", 500),
                               ("old-failed", "failed", 500)]:
        add_artwork(catalog, name, status, now() - timedelta(minutes=idle))
        set_times(catalog, name, updated_at=now() - timedelta(minutes=idle))
    found = catalog.stuck_artworks(["processing", "publishing"], now() - timedelta(minutes=60))
    assert [a.id for a in found] == ["stuck-processing", "stuck-publishing"]
    assert found[0].status == "processing" and found[0].updated_at < now() - timedelta(minutes=299)
    assert [a.id for a in catalog.stuck_artworks(["processing", "publishing"], now() - timedelta(minutes=60),
                                                 limit=1)] == ["stuck-processing"]
    assert catalog.stuck_artworks(["processing"], now() - timedelta(minutes=400)) == []


def test_an_sqlite_catalog_made_before_the_funnel_dates_its_artworks_by_their_last_update(tmp_path):
    path = tmp_path / "catalog.db"
    SqliteCatalog(path).upsert_artwork(ArtworkRow(id="art-1", user_id=USER, path="u/a.png", version="v1",
                                                  updated_at=now() - timedelta(days=2)))
    with sqlite3.connect(path) as db:  # as a file from before this release
        db.execute("drop table artwork_created")
        db.execute("drop trigger if exists artwork_stamp_created")
    reopened = SqliteCatalog(path)
    [row] = reopened.funnel_counts(now() - timedelta(days=7))
    assert row.day == (now() - timedelta(days=2)).date() and row.counts["uploads"] == 1
    reopened.upsert_artwork(ArtworkRow(id="art-2", user_id=USER, path="u/b.png", version="v1"))
    assert [r.counts["uploads"] for r in reopened.funnel_counts(now() - timedelta(days=7))] == [1, 1]


def plan(db, sql: str, params) -> str:
    """The query plan as text (Postgres: with sequential scans off, as on a large catalog)."""
    if isinstance(db, SqliteCatalog):
        with sqlite3.connect(db.path) as conn:
            return "\n".join(r[-1] for r in conn.execute("explain query plan " + sql, params))
    with psycopg2.connect(db.database_url) as conn, conn.cursor() as cur:
        cur.execute("set enable_seqscan = off")
        cur.execute("explain " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


def test_the_funnel_and_stuck_queries_are_served_by_indexes(catalog):
    if isinstance(catalog, SqliteCatalog):
        funnel_plan = plan(catalog, sqlite._FUNNEL, (now().isoformat(),))
        assert "artwork_created_at (created_at>?)" in funnel_plan
        assert "SEARCH p USING INDEX sqlite_autoindex_product_3 (artwork_id=?)" in funnel_plan
        stuck = plan(catalog, "select id from artwork where status in (?, ?) and updated_at < ? "
                              "order by updated_at, id limit 5", ("processing", "publishing", now().isoformat()))
        assert "artwork_status_updated (status=? AND updated_at<?)" in stuck
    else:
        funnel_plan = plan(catalog, postgres._FUNNEL, {"since": now()})
        assert "artwork_created_at_idx" in funnel_plan
        stuck = plan(catalog, "select id from public.artwork where status = any(%s) and updated_at < %s "
                              "order by updated_at, id limit 5", (["processing", "publishing"], now()))
        assert "artwork_unsettled_idx" in stuck
        settled = plan(catalog, "select id from public.artwork where status = any(%s) and updated_at < %s "
                                "and (updated_at, id) > (%s, %s) order by updated_at, id limit 500",
                       (["rejected", "failed"], now(), now() - timedelta(days=90), ""))
        assert "artwork_settled_idx" in settled  # the retirement walk
    assert "variant_price_artwork" in funnel_plan  # the price probe, never a scan of every price


def test_settled_artworks_are_walked_with_a_keyset_cursor_each_once(catalog):
    # The partition retirement walks rejected/failed artworks in (updated_at, id) order, a page at
    # a time, past the last one it looked at; ties on updated_at are broken by id.
    at = now()
    for name, idle_days in [("b-rejected", 40), ("a-rejected", 40), ("c-failed", 35), ("d-rejected", 1)]:
        add_artwork(catalog, name, "failed" if "failed" in name else "rejected", at - timedelta(days=40))
        set_times(catalog, name, updated_at=at - timedelta(days=idle_days))
    cutoff = now() - timedelta(days=30)
    first = catalog.stuck_artworks(["rejected", "failed"], cutoff, limit=2)
    assert [a.id for a in first] == ["a-rejected", "b-rejected"]
    rest = catalog.stuck_artworks(["rejected", "failed"], cutoff, limit=2, after=(first[-1].updated_at, first[-1].id))
    assert [a.id for a in rest] == ["c-failed"]
    assert catalog.stuck_artworks(["rejected", "failed"], cutoff, after=(rest[-1].updated_at, rest[-1].id)) == []
