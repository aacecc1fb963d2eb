"""SQLite's planner statistics (`Database.analyze`): taken after migrations and once a day, so the
dashboards' queries use the small partial indexes (issue 17), not the first usable index."""

from datetime import timedelta

from groupbox.db import claims
from groupbox.util import now
from groupbox.web import background


async def _stat_tables(db) -> set[str]:
    return {row["tbl"] for row in await db.fetch("SELECT tbl FROM sqlite_stat1")}


async def test_statistics_make_the_planner_take_the_partial_index_of_official_announcements(db):
    group = "g" * 24
    async with db.write() as tx:
        await tx.connection.execute("INSERT INTO grp (id, name, timezone, created_at, updated_at) VALUES (?,?,?,?,?)",
                                    (group, "G", "Europe/Berlin", now(), now()))
        await tx.connection.executemany(
            "INSERT INTO announcement (id, group_id, title, body, official, urgent, ack_required, stays_here,"
            " created_at, updated_at, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(f"a{i:023d}", group, "t", "b", i % 20 == 0, False, False, False, now() - timedelta(hours=i),
              now(), i) for i in range(400)])
    sql = ("EXPLAIN QUERY PLAN SELECT id FROM announcement WHERE group_id IN (?, ?) AND official = TRUE"
           " AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 8")
    await db.analyze()
    assert "announcement" in await _stat_tables(db)
    plan = " ".join(row["detail"] for row in await db.fetch(sql, group, "x" * 24))
    assert "announcement_official" in plan, plan


async def test_the_daily_job_takes_them_once_a_day_and_other_workers_reload_them(db, make_config):
    config = make_config()
    await db.execute("DELETE FROM instance_meta WHERE key = 'last_analyze_date'")
    await background._planner_statistics(config)
    assert await claims.meta_get("last_analyze_date") is not None
    await db.execute("DELETE FROM sqlite_stat1")
    await background._planner_statistics(config)  # claimed today already: nothing again
    assert await _stat_tables(db) == set()
    # Another worker's ANALYZE (a new day in the claim): this one reloads its readers.
    await db.execute("UPDATE instance_meta SET value = '2000-01-01' WHERE key = 'last_analyze_date'")
    background._statistics_seen[0] = "2000-01-01"
    await background._planner_statistics(config)
    assert await claims.meta_get("last_analyze_date") != "2000-01-01"
