"""Our probable links against splink's, on the same cards, the same register and the same truth.

Usage: ``uv run --group bench python -m benchmarks.bench_splink --data DIR`` (a directory
written by ``sokhoe synth``; ``uv sync --extra spark --group bench`` once for splink).

1. Ours: ``sokhoe.reconcile.service.run`` (DuckDB engine) on DIR's three files, timed end to
   end and for its matching step alone (estimation, blocking, scoring, best per card).
2. splink (DuckDB backend) on the problem our matching step solves: the cards the exact ID
   join leaves without holder (no person ID, or one the register lacks) against the whole
   register. Names and birth dates are prepared with our own normalisation SQL
   (:func:`~sokhoe.reconcile.normalize.name_dictionary` and ``birth_dictionary``: diacritics,
   Ð, case and Huỳnh/Hoàng, Võ/Vũ folded; a year-only date kept as a year) so that the two
   matchers start from the same columns; that preparation is timed apart. Comparisons:
   family, middle and given name (splink's ``NameComparison``/``ExactMatch``, term-frequency
   adjusted), birth date (exact, day/month swapped, year against a year-only date, same
   year), sex, commune, and the card's ID against the person's (Damerau–Levenshtein ≤ 1, ≤ 2;
   fixed m, as ours). Blocking: ``matching.BLOCKING``, rule for rule. u by random sampling;
   m, by default, from exact-ID pairs as ours (a sample of the linked cards, in a training
   linker of their own, ``estimate_m_from_label_column``), floored at ``M_FLOOR`` as ours;
   ``--m-from em`` runs two EM sessions instead. λ is one card's chance of pairing with its
   holder, 1 / register size. Each card's best candidate with a match probability ≥
   :data:`~sokhoe.reconcile.matching.PROBABLE` is proposed — our rule, one best per card
   (also scored: ≥ 0.9 and ≥ 0.5).
3. Both sets of proposals are scored by :func:`sokhoe.reconcile.evaluate.link_quality`.

Writes only into a temporary directory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sokhoe.reconcile import ReconcileOptions, run
from sokhoe.reconcile.dialect import DUCKDB
from sokhoe.reconcile.evaluate import LinkQuality, link_quality
from sokhoe.reconcile.matching import M_FLOOR, PROBABLE, sample_modulus
from sokhoe.reconcile.normalize import birth_dictionary, name_dictionary

#: Lowest match probability kept from splink's predictions (other thresholds are scored too).
FLOOR = 0.5
#: ``--m-from em``: the sessions' blocking. Each learns m of the comparisons its rule does not
#: block on: the first the names and the commune, the second family and middle name, birth
#: date and sex. No pair of rules tried gave EM a sound birth-date model (m of an exact date
#: 0.08–0.35, where the exact-ID pairs show 0.98): blocked on names, pairs are mostly
#: namesakes, and EM takes "same name" for "same person". Hence m from labels by default.
EM_BLOCKING = (("birth_date", "sex"), ("giv", "commune_code"))
#: The progress label of the matching step in ``service._pipeline``.
MATCHING_STEP = "Ghép thẻ với người"


@dataclass(frozen=True)
class Timing:
    """Wall and CPU seconds (CPU counts DuckDB's threads too; steadier on a shared machine)."""

    wall: float
    cpu: float

    @staticmethod
    def now() -> Timing:
        return Timing(time.perf_counter(), time.process_time())

    def since(self) -> Timing:
        return Timing(time.perf_counter() - self.wall, time.process_time() - self.cpu)


@dataclass(frozen=True)
class Outcome:
    engine: str
    time: Timing
    quality: LinkQuality
    note: str = ""


def load_sql(data: Path) -> dict[str, str]:
    """Tables ``register_raw`` and ``cards_raw``: every column as text and, for cards, the
    line the record is on (header on line 1, as the engine and the truth number them; the
    synthetic files have no blank or multi-line records)."""
    register, cards = (DUCKDB.literal(str(data / f"{n}.csv")) for n in ("register", "cards"))
    return {
        "register_raw": f"SELECT * FROM read_csv({register}, all_varchar = true)",
        "cards_csv": f"SELECT * FROM read_csv({cards}, all_varchar = true)",
        "cards_raw": "SELECT rowid + 2 AS line, * FROM cards_csv",
    }


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    # fetchall: DuckDB refuses other work on a connection with a result left unread.
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def residual_sql() -> str:
    """Lines of ``cards_raw`` the exact ID join leaves without holder: no person ID, or one
    no register line carries (``matching.residual_sql``'s cards, ``NOT linked``)."""
    return """SELECT c.* FROM cards_raw c
              WHERE nullif(trim(c.person_id), '') IS NULL
                 OR trim(c.person_id) NOT IN (SELECT trim(person_id) FROM register_raw
                                              WHERE person_id IS NOT NULL)"""


def load_residual(con: duckdb.DuckDBPyConnection, data: Path) -> None:
    """Tables ``register_raw``, ``cards_raw`` and ``residual`` (every unlinked card line)."""
    for table, sql in load_sql(data).items():
        con.execute(f"CREATE TABLE {table} AS {sql}")
    con.execute(f"CREATE TABLE residual AS {residual_sql()}")


def prepare(con: duckdb.DuckDBPyConnection, data: Path) -> None:
    """``residual`` and splink's inputs: ``sp_cards`` (the residual cards with a name or a
    birth year, as ``matching.residual_sql`` keeps), ``sp_register`` and ``sp_labelled`` (a
    sample of the cards the exact join links, as ``matching.m_pairs`` takes, with their ID
    as ``holder`` and no ``pid``: the ID comparison cannot be learnt from them)."""
    load_residual(con, data)
    con.execute(
        "CREATE TABLE names AS "
        + name_dictionary(
            DUCKDB,
            """SELECT DISTINCT full_name AS raw FROM register_raw WHERE full_name IS NOT NULL
               UNION SELECT DISTINCT full_name FROM cards_raw WHERE full_name IS NOT NULL""",
        )
    )
    con.execute(
        "CREATE TABLE births AS "
        + birth_dictionary(
            DUCKDB,
            """SELECT DISTINCT birth_date AS raw FROM register_raw WHERE birth_date IS NOT NULL
               UNION SELECT DISTINCT birth_date FROM cards_raw WHERE birth_date IS NOT NULL""",
        )
    )
    person = """n.name_key, n.fam, nullif(n.mid, '') AS mid, n.giv,
                CASE WHEN b.birth_day IS NOT NULL THEN CAST(b.text AS DATE) END AS birth_date,
                b.birth_year, b.birth_month, b.birth_day,
                nullif(upper(trim(t.sex)), '') AS sex,
                nullif(trim(t.commune_code), '') AS commune_code"""
    joins = """LEFT JOIN names n ON n.raw = t.full_name
               LEFT JOIN births b ON b.raw = t.birth_date"""
    con.execute(
        f"""CREATE TABLE sp_cards AS
            SELECT 'c' || CAST(t.line AS VARCHAR) AS unique_id, {person},
                   nullif(trim(t.person_id), '') AS pid,
                   CASE WHEN length(trim(t.person_id)) = 12
                        THEN substr(trim(t.person_id), 7, 6) END AS serial,
                   CAST(NULL AS VARCHAR) AS holder
            FROM residual t {joins}
            WHERE n.name_key IS NOT NULL OR b.birth_year IS NOT NULL"""
    )
    con.execute(
        f"""CREATE TABLE sp_register AS
            SELECT trim(t.person_id) AS unique_id, {person}, trim(t.person_id) AS pid,
                   substr(trim(t.person_id), 7, 6) AS serial, trim(t.person_id) AS holder
            FROM register_raw t {joins}"""
    )
    modulus = sample_modulus(count(con, "cards_raw"))
    con.execute(
        f"""CREATE TABLE sp_labelled AS
            SELECT 'c' || CAST(t.line AS VARCHAR) AS unique_id, {person},
                   CAST(NULL AS VARCHAR) AS pid, CAST(NULL AS VARCHAR) AS serial,
                   trim(t.person_id) AS holder
            FROM cards_raw t {joins}
            WHERE t.line % {modulus} = 0 AND t.line NOT IN (SELECT line FROM residual)"""
    )
    con.execute(
        "DROP TABLE names; DROP TABLE births; DROP TABLE register_raw; DROP TABLE cards_csv"
    )


def pid_prior(m: float) -> dict[str, Any]:
    """A fixed m of the ID comparison: no labelled pair shows it (they agree on the ID) and
    EM has few typo'd IDs to learn it from; ours fixes the same priors."""
    return {"m_probability": m, "fix_m_probability": True}


def settings(register_size: int) -> Any:
    """The splink model: comparisons and blocking as close to ``matching`` as splink's
    library allows."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    birth = cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND birth_month_l = birth_day_r "
                "AND birth_day_l = birth_month_r",
                label_for_charts="day and month swapped",
            ),
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND (birth_day_l IS NULL OR birth_day_r IS NULL)",
                label_for_charts="same year, one side only a year",
            ),
            cll.ExactMatchLevel("birth_year"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1 / register_size,
        comparisons=[
            cl.NameComparison("fam").configure(term_frequency_adjustments=True),
            cl.ExactMatch("mid").configure(term_frequency_adjustments=True),
            cl.NameComparison("giv").configure(term_frequency_adjustments=True),
            birth,
            cl.ExactMatch("sex"),
            cl.ExactMatch("commune_code"),
            # A searched card's ID is never in the register: no exact level.
            cl.CustomComparison(
                output_column_name="pid",
                comparison_levels=[
                    cll.NullLevel("pid"),
                    cll.DamerauLevenshteinLevel("pid", 1).configure(**pid_prior(0.6)),
                    cll.DamerauLevenshteinLevel("pid", 2).configure(**pid_prior(0.1)),
                    cll.ElseLevel().configure(**pid_prior(0.3)),
                ],
            ),
        ],
        # matching.BLOCKING, rule for rule.
        blocking_rules_to_generate_predictions=[
            block_on("commune_code", "birth_year", "giv"),
            block_on("name_key", "birth_year"),
            block_on("commune_code", "birth_date"),
            block_on("serial"),
        ],
        retain_matching_columns=False,
    )


def floored(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with no m below ``matching.M_FLOOR``, as ours: a level the labelled pairs
    never show (a different commune, say) is left without m by splink, which then falls
    back to a default; ours gives it the floor."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                level["m_probability"] = max(level.get("m_probability") or 0.0, M_FLOOR)
    return model


def run_splink(
    con: duckdb.DuckDBPyConnection, m_from: str, u_pairs: float, em_pairs: float
) -> tuple[Timing, dict[str, float], dict[str, Any]]:
    """Trains (m from the exact-ID ``labels`` or by ``em``), predicts and keeps each card's
    best candidate in table ``proposals`` (``line``, ``person_id``, ``probability``).
    Returns the time, each phase's and the trained model."""
    from splink import DuckDBAPI, Linker, block_on

    start = Timing.now()
    phases: dict[str, float] = {}
    model = settings(count(con, "sp_register"))
    db_api = DuckDBAPI(con)
    register = db_api.register("sp_register", dataset_display_name="register")
    if m_from == "labels":
        # The labelled cards stand in for the searched ones in a linker of their own, so
        # that prediction scores the searched cards only.
        mark = time.perf_counter()
        labelled = db_api.register("sp_labelled", dataset_display_name="cards")
        trainer = Linker([labelled, register], model, log_level=logging.ERROR)
        trainer.training.estimate_m_from_label_column("holder")
        model = floored(trainer.misc.save_model_to_json())
        phases["m (labelled pairs)"] = time.perf_counter() - mark
        register = db_api.register(
            "sp_register", dataset_display_name="register", table_name="register_again"
        )
    cards = db_api.register("sp_cards", dataset_display_name="cards", table_name="searched")
    linker = Linker([cards, register], model, log_level=logging.ERROR)
    mark = time.perf_counter()
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs)
    phases["u (random sampling)"] = time.perf_counter() - mark
    for keys in EM_BLOCKING if m_from == "em" else ():
        rule = block_on(*keys)
        mark = time.perf_counter()
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_pairs)
        phases[f"EM on {rule.get_blocking_rule('duckdb').blocking_rule_sql}"] = (
            time.perf_counter() - mark
        )
    mark = time.perf_counter()
    # Kept down to FLOOR, to score other thresholds than ours too; the proposals are the
    # best per card from PROBABLE up.
    predictions = linker.inference.predict(threshold_match_probability=FLOOR)
    phases["predict"] = time.perf_counter() - mark
    mark = time.perf_counter()
    con.execute(
        f"""CREATE TABLE proposals AS
            SELECT CAST(substr(card, 2) AS BIGINT) AS line, person_id, probability
            FROM (
                SELECT CASE WHEN source_dataset_l = 'cards' THEN unique_id_l
                            ELSE unique_id_r END AS card,
                       CASE WHEN source_dataset_l = 'cards' THEN unique_id_r
                            ELSE unique_id_l END AS person_id,
                       match_probability AS probability
                FROM {predictions.physical_name}
            )
            QUALIFY row_number() OVER (PARTITION BY card
                                       ORDER BY probability DESC, person_id) = 1"""
    )
    phases["best per card"] = time.perf_counter() - mark
    return start.since(), phases, linker.misc.save_model_to_json()


def splink_quality(
    con: duckdb.DuckDBPyConnection, truth: Path, out: Path, threshold: float
) -> LinkQuality:
    """Writes splink's proposals from ``threshold`` up as ``out/links.csv`` (every unlinked
    card: ``probable`` or ``none``) and scores it as our run's is scored."""
    out.mkdir()
    con.execute(
        f"""COPY (SELECT r.line, p.person_id,
                         CASE WHEN p.person_id IS NULL THEN 'none' ELSE 'probable' END AS match
                  FROM residual r
                  LEFT JOIN proposals p ON p.line = r.line AND p.probability >= {threshold}
                  ORDER BY r.line)
            TO {DUCKDB.literal(str(out / "links.csv"))} (HEADER)"""
    )
    return link_quality(out, truth)


def misses(links: Path, truth: Path) -> list[tuple[str, str, int]]:
    """Searched cards left without their true holder, by outcome (``missed``: none proposed;
    ``wrong``: another person proposed) and by the errors the truth injected into them."""
    with duckdb.connect() as con:
        return con.execute(
            f"""SELECT CASE WHEN l.match = 'none' THEN 'missed' ELSE 'wrong' END AS outcome,
                       coalesce((SELECT string_agg(DISTINCT e.kind, '+' ORDER BY e.kind)
                                 FROM read_csv({DUCKDB.literal(str(truth / "errors.csv"))},
                                               all_varchar = true) e
                                 WHERE e.file = 'cards' AND e.row = t.row), '-') AS errors,
                       count(*) AS cards
                FROM read_csv({DUCKDB.literal(str(links))}, all_varchar = true) l
                JOIN read_csv({DUCKDB.literal(str(truth / "links.csv"))}, all_varchar = true) t
                  ON CAST(t.row AS BIGINT) + 1 = CAST(l.line AS BIGINT)
                WHERE l.match <> 'exact'
                  AND (l.match = 'none' OR l.person_id <> t.true_person_id)
                GROUP BY ALL ORDER BY cards DESC, outcome, errors"""
        ).fetchall()


def run_ours(data: Path, as_of: dt.date, scratch: Path) -> tuple[Timing, Timing, LinkQuality]:
    """Our whole run's time, its matching step's, and its links' quality."""
    marks: list[tuple[str, Timing]] = []

    def start(label: str, total: int) -> Callable[[int], None]:
        marks.append((label, Timing.now()))
        return lambda n: None

    out = scratch / "ours"
    options = ReconcileOptions(
        data / "register.csv", data / "cards.csv", data / "integrated.csv", out, as_of
    )
    began = Timing.now()
    run(options, start)
    elapsed = began.since()
    labels = [label for label, _ in marks]
    step = labels.index(MATCHING_STEP)
    (_, first), (_, then) = marks[step], marks[step + 1]
    matching = Timing(then.wall - first.wall, then.cpu - first.cpu)
    return elapsed, matching, link_quality(out, data / "truth")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/tmp/kh23"))
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 3, 1))
    parser.add_argument("--u-pairs", type=float, default=1e7, help="splink's u sample")
    parser.add_argument(
        "--m-from",
        choices=("labels", "em"),
        default="labels",
        help="splink's m: from exact-ID pairs (as ours) or by EM",
    )
    parser.add_argument("--em-pairs", type=float, default=1e7, help="cap of each EM session")
    parser.add_argument("--show-model", action="store_true", help="print splink's m and u")
    parser.add_argument("--threads", type=int, default=2, help="splink's DuckDB threads")
    args = parser.parse_args()
    data: Path = args.data
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # noqa: T201
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        whole, matching, ours = run_ours(data, args.as_of, scratch)
        rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with duckdb.connect(config={"threads": args.threads}) as con:
            began = Timing.now()
            prepare(con, data)
            preparation = began.since().wall
            cards, people = count(con, "sp_cards"), count(con, "sp_register")
            seconds, phases, trained = run_splink(con, args.m_from, args.u_pairs, args.em_pairs)
            theirs = splink_quality(con, data / "truth", scratch / "splink", PROBABLE)
            lower = {
                threshold: splink_quality(con, data / "truth", scratch / str(threshold), threshold)
                for threshold in (0.9, FLOOR)
            }
        rss_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        left = {
            engine: misses(scratch / engine / "links.csv", data / "truth")
            for engine in ("ours", "splink")
        }
    outcomes = [
        Outcome(
            "ours, matching step",
            matching,
            ours,
            f"whole run {whole.wall:.1f} s (CPU {whole.cpu:.1f} s)",
        ),
        Outcome(
            f"splink 5 (DuckDB), m {args.m_from}",
            seconds,
            theirs,
            f"+ {preparation:.1f} s preparing its input; p >= {PROBABLE}",
        ),
        *(
            Outcome(f"splink, p >= {threshold}", seconds, quality)
            for threshold, quality in lower.items()
        ),
    ]
    print(  # noqa: T201
        f"{data}: {people:,} register people, {cards:,} cards to search\n"
        f"{'engine':<30} {'wall (s)':>9} {'CPU (s)':>8} {'precision':>9} {'recall':>7} "
        f"{'proposed':>9} "
        f"{'right':>8} {'searched':>8}  note"
    )
    for o in outcomes:
        q = o.quality
        print(  # noqa: T201
            f"{o.engine:<30} {o.time.wall:9.1f} {o.time.cpu:8.1f} {q.precision:9.4f} "
            f"{q.recall:7.4f} "
            f"{q.proposed:9,} {q.correct:8,} {q.searched:8,}  {o.note}"
        )
    print(  # noqa: T201
        f"splink phases: {', '.join(f'{k} {v:.1f} s' for k, v in phases.items())}\n"
        f"ratio splink / ours (matching step): {seconds.wall / matching.wall:.1f}x wall, "
        f"{seconds.cpu / matching.cpu:.1f}x CPU\n"
        f"peak RSS: {rss_ours:,.0f} MiB after ours, {rss_all:,.0f} MiB after splink "
        f"(one process); load average after: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    if args.show_model:
        for comparison in trained["comparisons"]:
            for level in comparison["comparison_levels"]:
                if not level.get("is_null_level"):
                    m, u = level.get("m_probability", 0), level.get("u_probability", 0)
                    print(  # noqa: T201
                        f"  {comparison['output_column_name']:<13} "
                        f"{level.get('label_for_charts', ''):<45} m {m:.6f}  u {u:.8f}"
                    )
    for engine, rows in left.items():
        print(f"{engine}: searched cards without their true holder")  # noqa: T201
        for outcome, errors, n in rows:
            print(f"  {outcome:<7} {n:6,}  {errors}")  # noqa: T201


if __name__ == "__main__":
    main()
