"""Speed and memory benchmarks for the interview engine, with a reference workload.

Measured in one process, on a real SQLite file:

- time per turn: the wall time of ``Interviewer.answer`` at turns 5, 20 and 50. One call
  stores the answer, loads the log, analyses, chooses and phrases the next question and
  commits. Each point reports the median and p95 over a window of five turns around it, in
  several scripted sessions. The ``engine_ms`` the service records per turn, which leaves
  out loading the log, is reported next to it.
- memory per active session: the peak Python heap that one turn allocates (tracemalloc) at
  turns 5, 20 and 50, and the heap still held per session after N sessions were started
  and advanced, which shows per-session caches or leaks.
- time from launch to first question: ``elicitor --db FILE interview --template
  bug-triage`` in a subprocess, until the first question line appears on its output.
- a reference workload (a fixed numpy and pure-Python CPU loop) timed in the same run, so
  that every time can be compared as a ratio to it across machines and noisy neighbours.

Scripted answers are the bundled cases' facts in the first person: varied, realistic
sentences that keep the interview going. Checkpoints are answered "ok" and a review "back".
"""

from __future__ import annotations

import gc
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from elicitor.bench.cases import load_cases
from elicitor.bench.participant import first_person
from elicitor.briefing.loader import load_template
from elicitor.engine.policy import Policy, PolicyLimits
from elicitor.session.service import Interviewer
from elicitor.store.store import Store

log = logging.getLogger(__name__)

SPEED_SCHEMA = "elicitor-bench-speed/1"
TURN_POINTS = (5, 20, 50)
WINDOW = 2  # turns on each side of a point that count towards it
TEMPLATE = "bug-triage"
LAUNCH_TIMEOUT_SECONDS = 120.0
_FIRST_QUESTION = re.compile(r"^Q\d+\.\s")


@dataclass(frozen=True)
class SpeedConfig:
    sessions: int = 5
    memory_sessions: int = 20
    launches: int = 7
    reference_repeats: int = 9

    @property
    def turns(self) -> int:
        return max(TURN_POINTS) + WINDOW


def scripted_answers() -> list[str]:
    """Return the first-person facts of every bundled case, in case order."""
    return [first_person(fact.text) for case in load_cases() for fact in case.facts]


# -- the reference workload -----------------------------------------------------------------


def reference_workload() -> float:
    """Run a fixed CPU loop (numpy and pure Python) and return a checksum.

    The mix follows what a turn does: matrix-vector products like similarity look-ups
    over embeddings, and interpreted loops over strings and dicts like the analyst's rules.
    It uses no matrix-matrix product, because OpenBLAS runs those on several threads, and
    on a busy 2-core machine they then took up to 100 times longer than usual.
    It takes about 30 ms on an idle 2-core cloud machine.
    """
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((300, 256)).astype(np.float32)
    vector = rng.standard_normal(256).astype(np.float32)
    checksum = 0.0
    for _ in range(2000):
        checksum += float((matrix @ vector).max())
    words: dict[str, int] = {}
    for number in range(100_000):
        key = f"w{number % 997}"
        words[key] = words.get(key, 0) + len(key)
    checksum += sum(words.values())
    return checksum


class ReferenceClock:
    """Times the reference workload between the measurements, so both see the same load.

    A shared machine slows everything in bursts. Samples taken only before and after the
    run can miss a burst that slowed the turns, so ``sample`` is called between sessions
    and launches, and the median of all samples is the unit for the ratios.
    """

    def __init__(self) -> None:
        self.samples: list[float] = []
        reference_workload()

    def sample(self, repeats: int = 3) -> None:
        for _ in range(repeats):
            started = time.perf_counter()
            reference_workload()
            self.samples.append((time.perf_counter() - started) * 1000)

    def summary(self) -> dict[str, float]:
        return {
            "median_ms": round(statistics.median(self.samples), 2),
            "p25_ms": round(_percentile(self.samples, 0.25), 2),
            "min_ms": round(min(self.samples), 2),
            "max_ms": round(max(self.samples), 2),
            "samples": len(self.samples),
        }


# -- scripted sessions ------------------------------------------------------------------------


def _reply(kind: str, answers: list[str], index: int) -> str:
    if kind == "summary":
        return "ok"
    if kind == "review":
        return "back"
    return answers[index % len(answers)]


def _run_session(
    interviewer: Interviewer,
    store: Store,
    answers: list[str],
    *,
    offset: int,
    turns: int,
    on_turn: Callable[[int, Callable[[], Any]], None],
) -> str:
    record = store.save_briefing(load_template(TEMPLATE))
    session_id, prompt = interviewer.start(record, participant=f"speed-{offset}")
    for turn in range(1, turns + 1):
        text = _reply(prompt.kind, answers, offset + turn)
        holder: dict[str, Any] = {}

        def step(text: str = text, holder: dict[str, Any] = holder) -> Any:
            holder["prompt"] = interviewer.answer(session_id, text)

        on_turn(turn, step)
        prompt = holder["prompt"]
    return session_id


def _engine_ms(store: Store, session_id: str) -> list[float]:
    """Return the engine_ms the service recorded per turn, in order.

    NOTE: a reply of "back" at the review reopens it without running the engine, so it
    records no engine_ms and later values shift one turn earlier. Scripted sessions rarely
    reach a review.
    """
    values = [
        float(event.payload["engine_ms"])
        for event in store.load_events(session_id)
        if "engine_ms" in event.payload
    ]
    return values


def _percentile(values: list[float], share: float) -> float:
    return float(np.percentile(np.array(values), share * 100))


def _window(series: list[list[float]], point: int) -> list[float]:
    low, high = point - WINDOW, point + WINDOW
    return [
        value for run in series for turn, value in enumerate(run, start=1) if low <= turn <= high
    ]


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "min_ms": round(min(values), 2),
        "p25_ms": round(_percentile(values, 0.25), 2),
        "median_ms": round(statistics.median(values), 2),
        "p95_ms": round(_percentile(values, 0.95), 2),
        "samples": len(values),
    }


@dataclass
class _PairedSamples:
    """Per-turn wall and CPU times, each followed by one timed reference workload."""

    wall: list[float]
    cpu: list[float]
    ratio_wall: list[float]
    ratio_cpu: list[float]

    def record(self, step: Callable[[], Any], clock: ReferenceClock) -> None:
        wall, cpu = _timed(step)
        reference_wall, reference_cpu = _timed(reference_workload)
        clock.samples.append(reference_wall)
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.ratio_wall.append(wall / reference_wall)
        self.ratio_cpu.append(cpu / max(reference_cpu, 1e-6))


def _timed(step: Callable[[], Any]) -> tuple[float, float]:
    """Run ``step`` and return its (wall, CPU) time in milliseconds."""
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    step()
    return (time.perf_counter() - wall_started) * 1000, (time.process_time() - cpu_started) * 1000


def time_turns(
    workdir: Path, config: SpeedConfig, answers: list[str], clock: ReferenceClock
) -> dict[str, Any]:
    """Time ``Interviewer.answer`` per turn over ``config.sessions`` scripted sessions.

    Each turn is followed by one run of the reference workload, so every turn time has a
    reference time taken moments later under the same load. The ratios are medians of
    these per-turn ratios, which cancels most of the load that a shared machine adds.
    """
    store = Store(f"sqlite:///{workdir / 'turns.db'}")
    interviewer = Interviewer(store, policy=Policy(PolicyLimits(max_questions=10 * config.turns)))
    runs: list[_PairedSamples] = []
    engine: list[list[float]] = []
    try:
        _run_session(interviewer, store, answers, offset=999, turns=6, on_turn=_untimed)
        for number in range(config.sessions):
            samples = _PairedSamples([], [], [], [])

            def timed(
                turn: int, step: Callable[[], Any], samples: _PairedSamples = samples
            ) -> None:
                samples.record(step, clock)

            session_id = _run_session(
                interviewer, store, answers, offset=7 * number, turns=config.turns, on_turn=timed
            )
            runs.append(samples)
            engine.append(_engine_ms(store, session_id))
    finally:
        store.close()
    return {str(point): _point_report(runs, engine, point) for point in TURN_POINTS}


def _point_report(
    runs: list[_PairedSamples], engine: list[list[float]], point: int
) -> dict[str, Any]:
    def window(name: str) -> list[float]:
        return _window([getattr(run, name) for run in runs], point)

    return {
        "answer": _stats(window("wall")),
        "cpu": _stats(window("cpu")),
        "engine": _stats(_window(engine, point)),
        "ratio_wall": round(statistics.median(window("ratio_wall")), 4),
        "ratio_cpu": round(statistics.median(window("ratio_cpu")), 4),
    }


def _untimed(turn: int, step: Callable[[], Any]) -> None:
    step()


# -- memory -----------------------------------------------------------------------------------


def measure_memory(workdir: Path, config: SpeedConfig, answers: list[str]) -> dict[str, Any]:
    """Measure heap per turn (tracemalloc peak) and heap held per started session."""
    store = Store(f"sqlite:///{workdir / 'memory.db'}")
    interviewer = Interviewer(store, policy=Policy(PolicyLimits(max_questions=10 * config.turns)))
    peaks: dict[int, float] = {}
    try:
        _run_session(interviewer, store, answers, offset=999, turns=6, on_turn=_untimed)
        tracemalloc.start()

        def traced(turn: int, step: Callable[[], Any]) -> None:
            if turn not in TURN_POINTS:
                step()
                return
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            step()
            peaks[turn] = (tracemalloc.get_traced_memory()[1] - before) / 1024

        _run_session(interviewer, store, answers, offset=3, turns=config.turns, on_turn=traced)
        gc.collect()
        held_before = tracemalloc.get_traced_memory()[0]
        rss_before = _rss_kib()
        for number in range(config.memory_sessions):
            _run_session(interviewer, store, answers, offset=11 * number, turns=5, on_turn=_untimed)
        gc.collect()
        held = (tracemalloc.get_traced_memory()[0] - held_before) / 1024
        rss = _rss_kib() - rss_before if rss_before is not None else None
    finally:
        tracemalloc.stop()
        store.close()
    sessions = config.memory_sessions
    return {
        "turn_peak_kib": {str(turn): round(value, 1) for turn, value in sorted(peaks.items())},
        "held_per_session_kib": round(held / sessions, 2),
        "rss_per_session_kib": None if rss is None else round(rss / sessions, 1),
        "sessions": sessions,
    }


def _rss_kib() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


# -- launch -----------------------------------------------------------------------------------


def launch_command(db: Path) -> list[str]:
    """Return the command line for a terminal interview that pauses at once."""
    script = Path(sys.executable).with_name("elicitor")
    prefix = [str(script)] if script.exists() else [sys.executable, "-m", "elicitor"]
    return [*prefix, "--db", str(db), "interview", "--template", TEMPLATE]


def time_launch(db: Path) -> float:
    """Start a terminal interview and return milliseconds until its first question line."""
    command = launch_command(db)
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=os.environ | {"NO_COLOR": "1"},
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("pause\n")
        process.stdin.close()
        for line in process.stdout:
            if _FIRST_QUESTION.match(line):
                elapsed = (time.perf_counter() - started) * 1000
                process.wait(timeout=LAUNCH_TIMEOUT_SECONDS)
                return elapsed
        process.wait(timeout=LAUNCH_TIMEOUT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    raise RuntimeError(
        f"`{' '.join(command)}` exited with code {process.returncode} before printing a "
        "question; run it by hand to see the error"
    )


# A bare interpreter that imports numpy: the reference for launch times. Start-up is
# dominated by process creation and reading modules from disk, which a busy machine slows
# differently from the CPU loop of ``reference_workload``.
REFERENCE_LAUNCH = ("-c", "import numpy, sqlite3")


def time_reference_launch() -> float:
    """Return milliseconds for a bare interpreter to start, import numpy and exit."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *REFERENCE_LAUNCH],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=LAUNCH_TIMEOUT_SECONDS,
    )
    return (time.perf_counter() - started) * 1000


def measure_launch(workdir: Path, config: SpeedConfig, clock: ReferenceClock) -> dict[str, float]:
    """Time launches to the first question, each right after a reference interpreter launch.

    ``ratio`` is the median of the per-launch ratios, so that each launch is compared with
    a reference taken under the same load.
    """
    db = workdir / "launch.db"
    time_launch(db)  # creates and migrates the database, and warms the file cache
    time_reference_launch()
    samples: list[float] = []
    references: list[float] = []
    for _ in range(config.launches):
        references.append(time_reference_launch())
        samples.append(time_launch(db))
        clock.sample(1)
    ratios = [sample / reference for sample, reference in zip(samples, references, strict=True)]
    return {
        "min_ms": round(min(samples), 1),
        "median_ms": round(statistics.median(samples), 1),
        "max_ms": round(max(samples), 1),
        "reference_median_ms": round(statistics.median(references), 1),
        "ratio": round(statistics.median(ratios), 4),
    }


# -- the whole benchmark ---------------------------------------------------------------------


def run_speed(
    config: SpeedConfig | None = None, *, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run every speed measurement and return the report, ratios to the reference included."""
    config = config or SpeedConfig()
    say = progress or (lambda _message: None)
    answers = scripted_answers()
    workdir = Path(tempfile.mkdtemp(prefix="elicitor-speed-"))
    try:
        clock = ReferenceClock()
        clock.sample(config.reference_repeats)
        say(f"speed: {config.sessions} scripted sessions of {config.turns} turns")
        turns = time_turns(workdir, config, answers, clock)
        say(f"speed: memory over {config.memory_sessions} sessions")
        memory = measure_memory(workdir, config, answers)
        clock.sample()
        say(f"speed: {config.launches} launches to the first question")
        launch = measure_launch(workdir, config, clock)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    reference = clock.summary()
    unit = reference["median_ms"]
    return {
        "schema": SPEED_SCHEMA,
        "reference_ms": unit,
        "reference": reference,
        "turns": turns,
        "memory": memory,
        "launch": launch,
        "ratios": speed_ratios(turns, launch, reference),
        "config": config.__dict__,
    }


def run_speed_isolated(*, sessions: int | None = None) -> dict[str, Any]:
    """Run ``elicitor bench speed`` in a fresh interpreter and return its report.

    The elicitation benchmark loads onnxruntime, whose worker threads keep spinning for a
    while after each call and slowed the reference workload by several times in the same
    process. A fresh interpreter also matches how the engine runs in production.
    Progress lines go to this process's stderr.
    """
    with tempfile.TemporaryDirectory(prefix="elicitor-speed-") as folder:
        output = Path(folder) / "speed.json"
        command = [sys.executable, "-m", "elicitor", "bench", "speed", "--json", str(output)]
        if sessions is not None:
            command += ["--sessions", str(sessions)]
        completed = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
        if completed.returncode != 0 or not output.is_file():
            raise RuntimeError(
                f"`{' '.join(command)}` failed with exit code {completed.returncode}; "
                "run `elicitor bench speed` to see the error"
            )
        report: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return report


def speed_ratios(
    turns: dict[str, Any], launch: dict[str, float], reference: dict[str, float]
) -> dict[str, float]:
    """Return each timing as a ratio to its reference.

    ``turnN_median`` and ``turnN_cpu`` are medians of per-turn ratios to the reference
    workload run right after each turn (wall and CPU time). ``turnN_p95`` divides the p95
    wall time by the median reference time. ``launch_median`` is the median of per-launch
    ratios to a bare interpreter launched just before.
    """
    ratios: dict[str, float] = {}
    for point, values in turns.items():
        ratios[f"turn{point}_median"] = values["ratio_wall"]
        ratios[f"turn{point}_cpu"] = values["ratio_cpu"]
        ratios[f"turn{point}_p95"] = round(values["answer"]["p95_ms"] / reference["median_ms"], 4)
    ratios["launch_median"] = launch["ratio"]
    return ratios


def speed_table(report: dict[str, Any]) -> str:
    """Render the speed report as a plain-text table."""
    from elicitor.bench.report import text_table

    rows: list[list[str]] = []
    for point, values in report["turns"].items():
        answer = values["answer"]
        peak = report["memory"]["turn_peak_kib"].get(point)
        rows.append(
            [
                f"turn {point}",
                f"{answer['median_ms']:.1f}",
                f"{answer['p95_ms']:.1f}",
                f"{values['cpu']['median_ms']:.1f}",
                f"{values['engine']['median_ms']:.1f}",
                f"{values['ratio_wall']:.3f}",
                f"{values['ratio_cpu']:.3f}",
                "-" if peak is None else f"{peak:.0f}",
            ]
        )
    headers = [
        "point",
        "answer ms median",
        "answer ms p95",
        "CPU ms median",
        "engine ms median",
        "ratio",
        "CPU ratio",
        "turn heap KiB",
    ]
    table = text_table(headers, rows)
    memory, launch = report["memory"], report["launch"]
    rss = memory["rss_per_session_kib"]
    return (
        f"{table}\n"
        f"reference workload: {report['reference_ms']:.1f} ms median "
        f"({report['reference']['min_ms']:.1f}-{report['reference']['max_ms']:.1f} ms, "
        f"{report['reference']['samples']} samples)\n"
        f"launch to first question: {launch['median_ms']:.0f} ms median, "
        f"{launch['max_ms']:.0f} ms max; a bare interpreter takes "
        f"{launch['reference_median_ms']:.0f} ms (ratio {report['ratios']['launch_median']:.2f})\n"
        f"heap held per started session: {memory['held_per_session_kib']:.1f} KiB "
        f"(RSS {'-' if rss is None else f'{rss:.0f}'} KiB) over {memory['sessions']} sessions"
    )
