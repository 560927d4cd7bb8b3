"""Many people saving one assessment at once through gunicorn, and the check that no acknowledged save is lost.

Each writer signs in, opens the context step of one assessment and, again and again, changes the motivation of
one of a few questions (so writers collide) to a value nobody else ever writes, and autosaves as the page's
script does: it takes the fingerprints the server sends back, reloads on a conflict, signs in again when its
session is gone. Every save the server acknowledged (200 with the question in `changed`) is remembered with the
fingerprint it was based on and the one it produced.

At the end the stored answers must be explained by the acknowledged saves: walking back from each question's
stored fingerprint, save by save, must reach the fingerprint the question started with, and every acknowledged
save must be on that path. An acknowledged save that is not on it was overwritten by someone who never saw it: a
silent overwrite, or (after a crash) a lost save. Saves that were sent but not acknowledged (the connection
broke, a worker was killed) may or may not be on the path; both are fine.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
import urllib.error
from dataclasses import dataclass, field
from typing import Any

from tests.soak.live import FETCH, Browser, digests_of, form_of

#: The context step's questions the writers take turns on (text motivations: any value is valid).
QUESTIONS = ["G-01", "G-03", "G-04", "G-05", "G-06"]


@dataclass(frozen=True)
class Save:
    """One attempted save of one question."""

    question: str
    base: str
    value: str
    acknowledged: bool
    result: str = ""


@dataclass
class Figures:
    """What a run did and found."""

    writers: int = 0
    requests: int = 0
    acknowledged: int = 0
    conflicts: int = 0
    raced: int = 0
    broken: int = 0
    server_errors: int = 0
    other: dict[int, int] = field(default_factory=dict)
    silent_overwrites: int = 0
    unexplained: int = 0
    kills: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        """Return the figures on one line, for the soak report and test failures."""
        rate = self.acknowledged / self.seconds if self.seconds else 0.0
        return (
            f"{self.writers} skribenter, {self.requests} anrop, {self.acknowledged} kvitterade sparningar "
            f"({rate:.0f}/s), {self.conflicts} krockar visade, {self.raced} omförsök, {self.broken} avbrutna, "
            f"{self.kills} dödade arbetsprocesser, {self.server_errors} svar ≥ 500, "
            f"{self.silent_overwrites} tysta överskrivningar, {self.unexplained} oförklarade svar"
        )


class Writer(threading.Thread):
    """One person autosaving one step again and again."""

    def __init__(
        self,
        n: int,
        base_url: str,
        account: tuple[str, str],
        assessment_id: int,
        saves: int,
        seed: int,
        figures: Figures,
        lock: threading.Lock,
    ) -> None:
        super().__init__(name=f"writer-{n}", daemon=True)
        self.n = n
        self.browser = Browser(base_url)
        self.account = account
        self.path = f"/bedomningar/{assessment_id}?steg=context"
        self.autosave = f"/bedomningar/{assessment_id}/autospara?steg=context"
        self.saves_wanted = saves
        self.rng = random.Random(seed * 1000 + n)
        self.figures = figures
        self.lock = lock
        self.saves: list[Save] = []
        self.form: dict[str, Any] = {}

    def _count(self, **deltas: int) -> None:
        with self.lock:
            for name, delta in deltas.items():
                setattr(self.figures, name, getattr(self.figures, name) + delta)

    def _sign_in(self) -> None:
        for _ in range(20):
            try:
                self.browser.sign_in(*self.account)
                return
            except (OSError, http.client.HTTPException, RuntimeError):
                self._count(broken=1)
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} could not sign in")

    def _reload(self) -> None:
        for _ in range(20):
            try:
                reply = self.browser.get(self.path)
            except (OSError, http.client.HTTPException):
                self._count(broken=1)
                time.sleep(0.2)
                continue
            if reply.status == 302:
                self._sign_in()
                continue
            if reply.status >= 500:
                self._count(server_errors=1)
                time.sleep(0.2)
                continue
            self.form = form_of(reply.text())
            return
        raise RuntimeError(f"{self.name} could not load its page")

    def run(self) -> None:
        try:
            self._sign_in()
            self._reload()
            for k in range(self.saves_wanted):
                self._save_once(k)
        except Exception as exc:  # noqa: BLE001 (a writer that dies is a finding, reported by the run)
            with self.lock:
                self.figures.problems.append(f"{self.name}: {type(exc).__name__}: {exc}")

    def _save_once(self, k: int) -> None:
        question = self.rng.choice(QUESTIONS)
        value = f"skribent {self.n}, sparning {k}, {self.rng.getrandbits(48):x}"
        base = digests_of(self.form["base_digest"]).get(question, "")
        form = {**self.form, f"q_{question}_motivation": value}
        self._count(requests=1)
        try:
            reply = self.browser.post(self.autosave, form, FETCH)
        except (OSError, http.client.HTTPException, urllib.error.URLError):
            self.saves.append(Save(question, base, value, acknowledged=False))
            self._count(broken=1)
            self._reload()
            return
        if reply.status >= 500:
            self.saves.append(Save(question, base, value, acknowledged=False))
            self._count(server_errors=1)
            self._reload()
            return
        data = reply.json() if reply.headers.get("Content-Type", "").startswith("application/json") else {}
        if reply.status == 200 and data.get("ok"):
            digests = digests_of(data["digest"])
            if question in data["changed"]:
                self.saves.append(Save(question, base, value, True, digests[question]))
                self._count(acknowledged=1)
            self.form = {**form, "base_digest": data["digest"]}
            if data.get("version") is not None:
                self.form["base_version"] = str(data["version"])
            return
        self.saves.append(Save(question, base, value, acknowledged=False))
        if reply.status == 409 and data.get("reason") == "conflict":
            self._count(conflicts=1)
        elif reply.status == 409 and data.get("reason") == "raced":
            self._count(raced=1)
        elif reply.status in (400, 401) and data.get("reason") in ("signed_out", "csrf"):
            self._sign_in()
        else:
            with self.lock:
                self.figures.other[reply.status] = self.figures.other.get(reply.status, 0) + 1
        self._reload()


def committed_saves(database_url: str, assessment_id: int) -> list[tuple[str, dict[str, Any]]]:
    """Return every committed answer save of the assessment, in commit order, from the audit chain."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT after FROM audit_events WHERE action = 'answer.save' AND assessment_id = :id ORDER BY seq"
                ),
                {"id": assessment_id},
            )
            events = []
            for (after,) in rows:
                data = after if isinstance(after, dict) else __import__("json").loads(after)
                events.append((str(data["question"]), data))
            return events
    finally:
        engine.dispose()


def digest_of(answer: dict[str, Any]) -> str:
    """Return the server's fingerprint of a stored answer (as the audit event records it)."""
    import datetime as dt

    from assess.services.assessments import AnswerInput, answer_digest

    due = answer.get("unknown_due")
    return answer_digest(
        AnswerInput(
            value=answer.get("value"),
            evidence=answer.get("evidence", "E1"),
            motivation=answer.get("motivation", ""),
            evidence_ref=answer.get("evidence_ref", ""),
            # The picked assignee's key (events since migration 0006); before, the free text was the owner.
            unknown_owner=answer.get("assignee", answer.get("unknown_owner", "")),
            unknown_due=dt.date.fromisoformat(due) if due else None,
        )
    )


def explain(
    initial: dict[str, str], committed: list[tuple[str, dict[str, Any]]], saves: list[Save], figures: Figures
) -> None:
    """Check the committed history against what the writers' pages showed.

    For each question, every committed save must have been based (on the page that sent it) on the answer stored
    just before it: otherwise it overwrote something its sender never saw (a silent overwrite). And every
    acknowledged save must be in the committed history (otherwise it was lost).
    """
    by_value = {(s.question, s.value): s for s in saves}
    current = dict(initial)
    seen: set[tuple[str, str]] = set()
    for question, after in committed:
        key = (question, str(after.get("motivation", "")))
        save = by_value.get(key)
        if save is None:
            figures.unexplained += 1
            figures.problems.append(f"{question}: a committed save '{key[1]}' was sent by no writer")
        elif save.base != current.get(question, ""):
            figures.silent_overwrites += 1
            figures.problems.append(f"{question}: '{save.value}' was stored over an answer its page never showed")
        seen.add(key)
        current[question] = digest_of(after)
    lost = [s for s in saves if s.acknowledged and (s.question, s.value) not in seen]
    figures.silent_overwrites += len(lost)
    figures.problems.extend(f"{s.question}: acknowledged save '{s.value}' is not stored" for s in lost[:5])
    wrong = [s for s in saves if s.acknowledged and s.result and s.result != _result_of(s, committed)]
    figures.unexplained += len(wrong)


def _result_of(save: Save, committed: list[tuple[str, dict[str, Any]]]) -> str:
    for question, after in committed:
        if question == save.question and after.get("motivation") == save.value:
            return digest_of(after)
    return ""


def run_writers(
    base_url: str,
    database_url: str,
    accounts: list[tuple[str, str]],
    assessment_id: int,
    writers: int,
    saves: int,
    seed: int = 1,
    chaos: Any = None,
) -> Figures:
    """Run the writers against a served app and check the outcome; `chaos(stop)` runs alongside (kills)."""
    figures = Figures(writers=writers)
    lock = threading.Lock()
    observer = Browser(base_url)
    observer.sign_in(*accounts[0])
    start_form = form_of(observer.get(f"/bedomningar/{assessment_id}?steg=context").text())
    initial = digests_of(start_form["base_digest"])
    team = [
        Writer(n, base_url, accounts[n % len(accounts)], assessment_id, saves, seed, figures, lock)
        for n in range(writers)
    ]
    stop = threading.Event()
    helper = threading.Thread(target=chaos, args=(stop,), daemon=True) if chaos else None
    began = time.monotonic()
    for writer in team:
        writer.start()
    if helper:
        helper.start()
    for writer in team:
        writer.join(timeout=900)
    stop.set()
    if helper:
        helper.join(timeout=60)
    figures.seconds = time.monotonic() - began
    saves_sent = [s for w in team for s in w.saves]
    explain(initial, committed_saves(database_url, assessment_id), saves_sent, figures)
    final = digests_of(form_of(observer.get(f"/bedomningar/{assessment_id}?steg=context").text())["base_digest"])
    committed = committed_saves(database_url, assessment_id)
    for question in QUESTIONS:
        history = [a for q, a in committed if q == question]
        expected = digest_of(history[-1]) if history else initial.get(question, "")
        if final.get(question) != expected:
            figures.unexplained += 1
            figures.problems.append(f"{question}: the page shows another answer than the last committed save")
    return figures
