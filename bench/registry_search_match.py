"""q and matching at 1,000 and at 1,000,000 entities on PostgreSQL (issue #13).

Two throwaway databases on the BENCH_POSTGRES_URL server, migrated with Alembic.
The big one is filled directly with COPY (no HTTP, no change log: a search
benchmark needs the rows and their indexes, not their history); the indexes the
migration made are dropped before the COPY and built again after it, from the
same definitions in registry/tables.py, then ANALYZE. Names are generated the way
Shanghai companies are named (上海 + brand + trade + legal form, or brand + trade +
（上海） + legal form; English renderings), brands from random characters, so
most names are unique and some collide as real ones do. The normalised columns are
computed by registry.names, as the write path does.

Measured in-process through the registry's Flask app (the same routes, schemas
and SQL as under gunicorn, without the network), each figure at both sizes:
- a one-hit q (Chinese, with half-width brackets where the stored name has
  full-width ones; English, lower case, without the legal form): p50/p95 of 100 each;
- POST /entities/match with 1,000 records in one request (variants of registered
  names: brackets, legal forms, 上海市, typos; a fifth unregistered), ``--match-runs`` (5) runs;
- POST /entities/match with one record, p50/p95 of 200.
Goal (issue #13): a one-hit q at 1,000,000 within 3x of its time at 1,000.

Loading a million rows takes minutes, so ``--keep`` keeps both databases under fixed
names (``--prefix``, default ``ecoreg_bench_search``: ``<prefix>_1000`` and
``<prefix>_1000000``) and a later ``--keep`` run reuses them when they hold the same
rows (a marker table records the size, the seed and a fingerprint of the generator,
``registry/names.py`` and ``registry/tables.py``; anything else is loaded anew).
``--rounds N`` measures N times over the same databases and prints min / median / max
of each figure; ``--drop`` drops the kept databases and exits.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import math
import os
import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ecoreg_common.testing import fresh_postgres_database
from registry import create_app, migrate, names, uscc
from registry.config import Settings
from registry.tables import entities

BRAND_CHARS = (
    "华域视觉宏力虹微创联影商汤重塑捷氢治臻晨天数智芯燧原壁仞寒武纪和辉光马傅利叶元新君实复汉霖超导图灵算期"
    "恒瑞明德安泰嘉禾永盛鼎丰瑞鑫博远卓越中科海阔金桥浦江临港张江紫竹漕河泾松江青浦奉贤崇明宝钢申通东方"
    "星辰云帆锐思睿达启航未来量子合成基因脑机深蓝极光凌云飞鸿翔宇海纳百川精诚致远融创开元立德弘毅"
)
SYLLABLES = [
    "hua",
    "yu",
    "hong",
    "li",
    "wei",
    "chuang",
    "lian",
    "ying",
    "shang",
    "tang",
    "zhong",
    "su",
    "jie",
    "qing",
    "zhi",
    "zhen",
    "chen",
    "tian",
    "shu",
    "xin",
    "sui",
    "yuan",
    "bi",
    "ren",
    "han",
    "wu",
    "ji",
    "he",
    "hui",
    "guang",
    "ma",
    "fu",
    "ye",
    "jun",
    "shi",
    "han",
    "lin",
    "chao",
    "dao",
    "tu",
    "ling",
    "suan",
    "qi",
    "heng",
    "rui",
    "ming",
    "de",
    "an",
    "tai",
    "jia",
    "yong",
    "sheng",
    "ding",
    "feng",
    "bo",
    "zhuo",
    "yue",
    "ke",
    "hai",
    "kuo",
    "jin",
    "qiao",
    "pu",
    "jiang",
    "gang",
    "zi",
    "zhu",
    "song",
    "xian",
    "xing",
    "yun",
    "fan",
    "si",
    "da",
    "hang",
    "lai",
    "liang",
    "zi",
]
TRADES = [
    ("科技", "Technology"),
    ("智能科技", "Intelligent Technology"),
    ("新能源科技", "New Energy Technology"),
    ("生物医药科技", "Biomedical Technology"),
    ("半导体", "Semiconductor"),
    ("信息技术", "Information Technology"),
    ("材料科技", "Materials Technology"),
    ("机器人", "Robotics"),
    ("量子科技", "Quantum Technology"),
    ("氢能科技", "Hydrogen Technology"),
    ("医疗器械", "Medical Devices"),
    ("航天科技", "Aerospace Technology"),
]
FORMS = [("有限公司", "Co., Ltd."), ("股份有限公司", "Co., Ltd."), ("有限责任公司", "Limited")]
DISTRICTS = ["pudong", "jiading", "minhang", "xuhui", "baoshan", "songjiang", "yangpu", "qingpu"]
CLUSTERS = [("energy", "hydrogen"), ("intelligence", "general_ai"), ("health", "synthetic_biology"), ("materials", "graphene")]


def make_name(rng: random.Random) -> dict:
    brand = "".join(rng.choice(BRAND_CHARS) for _ in range(rng.choice((2, 3, 3))))
    trade_zh, trade_en = rng.choice(TRADES)
    form_zh, form_en = rng.choice(FORMS)
    brand_en = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
    layout = rng.random()
    if layout < 0.5:
        zh, en = f"上海{brand}{trade_zh}{form_zh}", f"Shanghai {brand_en} {trade_en} {form_en}"
    elif layout < 0.8:
        zh, en = f"{brand}{trade_zh}（上海）{form_zh}", f"{brand_en} {trade_en} (Shanghai) {form_en}"
    else:
        zh, en = f"{brand}{trade_zh}{form_zh}", f"{brand_en} {trade_en} {form_en}"
    return {"name": en, "name_zh": zh, "brand": brand, "trade": trade_zh, "brand_en": brand_en, "trade_en": trade_en}


COLUMNS = [
    "id", "kind", "subtype", "tier", "name", "name_zh", "clusters", "tracks", "district", "status", "uscc", "external_id",
    "source", "attributes", "version", "created_at", "updated_at", "search_text", "name_core", "name_zh_core",
]  # fmt: skip


SAMPLED = 1_200  # generated entities kept in memory to build queries and match records from


def generate(count: int, seed: int) -> Iterator[tuple[int, dict]]:
    """(id, generated names) for ids 1..count, the same for the same seed."""
    rng = random.Random(seed)
    for n in range(1, count + 1):
        yield n, make_name(rng)


def sample_ids(count: int, seed: int) -> set[int]:
    """The ids whose generated names the measurements draw on (kept in memory, not all 1M)."""
    return set(random.Random(seed + 1).sample(range(1, count + 1), min(count, SAMPLED)))


def fingerprint() -> str:
    """What the loaded rows depend on: the generated rows (the first 2,000, with the name
    forms registry.names derives from them) and the columns of the entities table."""
    digest = hashlib.sha256(repr([column.name for column in entities.columns]).encode())
    for n, item in generate(2_000, 0):
        digest.update(repr((n, item, names.stored_forms(item), uscc.make("91310000", f"B{n:07d}"))).encode())
    return digest.hexdigest()[:16]


# Every index of the table but its primary key: dropped before the COPY, built after it.
INDEX_NAMES = [index.name for index in entities.indexes]


def load(url: str, count: int, seed: int) -> list[dict]:
    """COPY ``count`` generated entities into a migrated database; the sampled ones' names."""
    from psycopg.types.json import Jsonb

    now = datetime.now(UTC)
    engine = create_engine(url, poolclass=NullPool)
    wanted = sample_ids(count, seed)
    generated = []
    with engine.begin() as connection:
        for index in INDEX_NAMES:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY entities ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for n, item in generate(count, seed):
                cluster, track = CLUSTERS[n % len(CLUSTERS)]
                forms = names.stored_forms(item)
                copy.write_row(
                    (
                        n, "enterprise", "high_tech", "none", item["name"], item["name_zh"], [cluster], [track],
                        DISTRICTS[n % len(DISTRICTS)], "active", uscc.make("91310000", f"B{n:07d}"), f"bench-{n}", "bench",
                        Jsonb({}), 1, now, now, forms["search_text"], forms["name_core"], forms["name_zh_core"],
                    )
                )  # fmt: skip
                if n in wanted:
                    generated.append({"id": n, "district": DISTRICTS[n % len(DISTRICTS)], **item})
        connection.exec_driver_sql(f"SELECT setval('entities_id_seq', {count})")
    started = time.perf_counter()
    with engine.begin() as connection:
        # This session only: GIN builds are several times faster with room to sort in.
        connection.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        for index in entities.indexes:
            if index.name in INDEX_NAMES:
                index.create(connection)
        connection.exec_driver_sql("ANALYZE entities")
        connection.exec_driver_sql("CREATE TABLE bench_fill (size bigint, seed bigint, fingerprint text)")
        connection.exec_driver_sql("INSERT INTO bench_fill VALUES (%s, %s, %s)", (count, seed, fingerprint()))
    print(f"  indexes built in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return generated


def sampled(count: int, seed: int) -> list[dict]:
    """The sampled entities' names as ``load`` returned them, without loading (a kept database)."""
    wanted = sample_ids(count, seed)
    return [{"id": n, "district": DISTRICTS[n % len(DISTRICTS)], **item} for n, item in generate(count, seed) if n in wanted]


def _admin(base_url: str):
    return create_engine(make_url(base_url), isolation_level="AUTOCOMMIT", poolclass=NullPool)


def kept_fill(base_url: str, name: str) -> tuple | None:
    """(size, seed, fingerprint) of a kept database, or None when there is none (or no marker)."""
    admin = _admin(base_url)
    try:
        with admin.connect() as connection:
            if connection.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).scalar() is None:
                return None
    finally:
        admin.dispose()
    engine = create_engine(make_url(base_url).set(database=name), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if connection.exec_driver_sql("SELECT to_regclass('bench_fill')").scalar() is None:
                return None
            return tuple(connection.exec_driver_sql("SELECT size, seed, fingerprint FROM bench_fill").first() or ()) or None
    finally:
        engine.dispose()


def drop_database(base_url: str, name: str) -> None:
    admin = _admin(base_url)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextlib.contextmanager
def kept_database(base_url: str, name: str, size: int, seed: int) -> Iterator[tuple[str, list[dict]]]:
    """(url, sampled names) of the database ``name``, reused when it holds these rows, else loaded anew; kept after."""
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    if kept_fill(base_url, name) == (size, seed, fingerprint()):
        print(f"{size:>9,} entities: reusing the kept database {name}")
        migrate.upgrade(url)
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as connection:  # indexes tables.py gained since (or changed: drop them by hand)
            connection.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            for index in entities.indexes:
                index.create(connection, checkfirst=True)
        engine.dispose()
        yield url, sampled(size, seed)
        return
    drop_database(base_url, name)
    admin = _admin(base_url)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    yield url, loaded(url, size, seed)


@contextlib.contextmanager
def throwaway_database(base_url: str, size: int, seed: int) -> Iterator[tuple[str, list[dict]]]:
    with fresh_postgres_database(base_url, "ecoreg_bench_search") as url:
        yield url, loaded(url, size, seed)


def loaded(url: str, size: int, seed: int) -> list[dict]:
    migrate.upgrade(url)
    started = time.perf_counter()
    generated = load(url, size, seed)
    print(f"{size:>9,} entities loaded in {time.perf_counter() - started:.1f} s ({make_url(url).database})")
    return generated


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(median, 95th percentile by nearest rank: the smallest sample with 95% of them at or below it)."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[math.ceil(0.95 * len(ordered)) - 1]


def one_hit_queries(client, generated: list[dict], rng: random.Random, wanted: int) -> tuple[list[str], list[str]]:
    """Chinese and English q that find exactly one entity (checked), ``wanted`` of each."""
    chinese, english = [], []
    for item in rng.sample(generated, min(len(generated), wanted * 4)):
        zh = item["name_zh"].replace("（", "(").replace("）", ")")
        zh_q = zh[: zh.index(")") + 1] if "(" in zh else item["brand"] + item["trade"]
        en_q = f"{item['brand_en']} {item['trade_en']}".lower()
        for q, bucket in ((zh_q, chinese), (en_q, english)):
            if len(bucket) < wanted and len(client.get("/api/v1/entities", query_string={"q": q, "limit": 5}).json["items"]) == 1:
                bucket.append(q)
        if len(chinese) >= wanted and len(english) >= wanted:
            break
    return chinese, english


def variant(item: dict, rng: random.Random) -> dict:
    zh = item["name_zh"]
    kind = rng.random()
    if kind < 0.25:
        return {"name": zh.replace("（", "(").replace("）", ")")}
    if kind < 0.45:
        return {"name_zh": zh.replace("股份有限公司", "有限公司").replace("有限责任公司", "有限公司"), "district": item["district"]}
    if kind < 0.6:
        return {"name": zh.replace("上海", "上海市", 1) if zh.startswith("上海") else "上海" + zh}
    if kind < 0.8:
        brand = item["brand"]
        typo = brand[:-1] + rng.choice(BRAND_CHARS)
        return {"name": zh.replace(brand, typo, 1), "district": item["district"]}
    return {"name": item["name"].upper()}


def time_it(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


class Side:
    """One database under test: its app, test client and what to ask it."""

    def __init__(self, url: str, generated: list[dict], seed: int):
        self.app = create_app(Settings(database_url=url, max_body_bytes=8 * 1024 * 1024, log_level="WARNING"))
        self.client = self.app.test_client()
        rng = random.Random(seed)
        self.chinese, self.english = one_hit_queries(self.client, generated, rng, 100)
        unregistered = [make_name(random.Random(seed + 7 + i)) for i in range(200)]
        records = [variant(item, rng) for item in rng.sample(generated, min(len(generated), 800))]
        records += [{"name": item["name_zh"]} for item in unregistered[: 1000 - len(records)]]
        rng.shuffle(records)
        self.records = records
        self.samples: dict[str, list[float]] = {}

    def timed(self, label: str, call) -> None:
        self.samples.setdefault(label, []).append(time_it(call))

    def close(self) -> None:
        self.app.extensions["registry.db"].dispose()


def measure(small: Side, big: Side, match_runs: int = 5) -> None:
    """One round: every measurement alternates between the two sides, so the shared
    machine's load falls on both alike (load averages of 20+ on 2 cores were seen)."""
    for side in (small, big):
        side.samples = {}
        for q in side.chinese[:5] + side.english[:5]:  # warm caches and the connection pool
            side.client.get("/api/v1/entities", query_string={"q": q})
    for label in ("q zh", "q en"):
        for index in range(100):
            for side in (small, big):
                queries = side.chinese if label == "q zh" else side.english
                q = queries[index % len(queries)]
                side.timed(label, lambda side=side, q=q: side.client.get("/api/v1/entities", query_string={"q": q}))
    for index in range(200):
        for side in (small, big):
            record = side.records[index]
            side.timed("match 1 record", lambda side=side, r=record: side.client.post("/api/v1/entities/match", json={"records": [r]}))
    for _ in range(match_runs):
        for side in (small, big):
            side.timed("match 1,000", lambda side=side: side.client.post("/api/v1/entities/match", json={"records": side.records}))
    for side in (small, big):
        answer = side.client.post("/api/v1/entities/match", json={"records": side.records}).json["results"]
        side.samples["chosen share"] = [sum(r["chosen"] is not None for r in answer) / len(answer)]


LABELS = ("q zh", "q en", "match 1 record", "match 1,000")


def report(rounds: list[tuple[dict, dict]], baseline: int, size: int) -> None:
    """Each round's p50 / p95 at both sizes and the p50 ratio; then min / median / max over rounds."""
    ratios: dict[str, list[float]] = {label: [] for label in LABELS}
    for number, (small, big) in enumerate(rounds, 1):
        print(f"\nround {number}{'':25}{baseline:>14,}{size:>16,}   ratio (p50)")
        for label in LABELS:
            (p50_s, p95_s), (p50_b, p95_b) = percentiles(small[label]), percentiles(big[label])
            ratios[label].append(p50_b / p50_s)
            print(f"{label + ' p50 / p95 (ms)':34}{p50_s:7.1f} /{p95_s:7.1f}{p50_b:9.1f} /{p95_b:7.1f}   {p50_b / p50_s:5.2f}x")
        print(f"{'chosen share of the 1,000':34}{small['chosen share'][0]:15.2f}{big['chosen share'][0]:18.2f}")
    if len(rounds) > 1:
        print(f"\nall rounds' samples together, p50 / p95 (ms){'':4}{baseline:>14,}{size:>16,}   ratio (p50)")
        for label in LABELS:
            (p50_s, p95_s), (p50_b, p95_b) = (
                percentiles([x for side in sides for x in side[label]]) for sides in zip(*rounds, strict=True)
            )
            print(f"{label:34}{p50_s:7.1f} /{p95_s:7.1f}{p50_b:9.1f} /{p95_b:7.1f}   {p50_b / p50_s:5.2f}x")
        print(f"\nover {len(rounds)} rounds, min / median / max")
        for label in LABELS:
            p50s = [percentiles(big[label])[0] for _, big in rounds]
            p95s = [percentiles(big[label])[1] for _, big in rounds]
            spread = ratios[label]
            print(
                f"{label:16} at {size:,}: p50 {min(p50s):.1f} / {statistics.median(p50s):.1f} / {max(p50s):.1f} ms, "
                f"p95 {min(p95s):.1f} / {statistics.median(p95s):.1f} / {max(p95s):.1f} ms; "
                f"ratio {min(spread):.2f} / {statistics.median(spread):.2f} / {max(spread):.2f}x"
            )
    print("goal: a one-hit q at the large size within 3x of the small (p50 ratio <= 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--rounds", type=int, default=1, help="measure this many times over the same databases")
    parser.add_argument("--match-runs", type=int, default=5, help="requests of 1,000 records per side and round")
    parser.add_argument("--keep", action="store_true", help="keep the databases (and reuse kept ones that hold the same rows)")
    parser.add_argument("--prefix", default="ecoreg_bench_search", help="name prefix of the kept databases")
    parser.add_argument("--load-only", action="store_true", help="load (or find) the kept databases and stop; implies --keep")
    parser.add_argument("--drop", action="store_true", help="drop the kept databases and stop")
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
    sizes = (args.baseline, args.entities)
    if args.drop:
        for size in sizes:
            drop_database(base_url, f"{args.prefix}_{size}")
            print(f"dropped {args.prefix}_{size} (if it was there)")
        return
    keep = args.keep or args.load_only
    with contextlib.ExitStack() as stack:
        sides = []
        for size in sizes:
            if keep:
                url, generated = stack.enter_context(kept_database(base_url, f"{args.prefix}_{size}", size, args.seed + size))
            else:
                url, generated = stack.enter_context(throwaway_database(base_url, size, args.seed + size))
            if not args.load_only:
                sides.append(Side(url, generated, args.seed))
            del generated
        if args.load_only:
            return
        small, big = sides
        rounds = []
        for _ in range(args.rounds):
            measure(small, big, args.match_runs)
            rounds.append((small.samples, big.samples))
        report(rounds, *sizes)
        small.close()
        big.close()
        if keep:
            print(f"kept {args.prefix}_{sizes[0]} and {args.prefix}_{sizes[1]}: --drop removes them")


if __name__ == "__main__":
    main()
