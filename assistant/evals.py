"""Evals: score the assistant against the fixed reference sets in evals/sets/.

Every metric is deterministic, so CI needs no judge model, and no metric is computed by the
check it is meant to test:
- token F1 (SQuAD normalisation) against the reference answers, and key-fact recall;
- retrieval recall@k: a human-marked supporting quote lies inside one of the top-k chunks;
- citation precision: share of (sentence, citation) pairs whose cited quote contains at least
  80% of the sentence's content words (exact words, not stems) and all its numbers, i.e.
  verbatim containment, independent of the product's support model; citation recall: share of
  the human-written key facts an answer states that its cited quotes contain; the product's own
  support score is reported beside them (``product_support``), not gated;
- generated share: share of answered questions whose answer holds model-written sentences that
  passed verification, so the gate notices when the model is gone or writes nonsense;
- abstention accuracy on unanswerable questions (near misses about the same stories),
  false-abstention rate on answerable ones; follow-up key-fact recall; brief key-fact coverage;
- latency p50/p95 is reported, never gated: wall-clock time depends on the machine's load
  (speed is measured as ratios against the raw engines in bench/).

``run_suite`` builds a fresh index of samples/articles in a temporary directory (so the
settings under test, chunking included, are what is measured), asks every question, and
returns a report; ``gate`` compares it with evals/baseline.json and evals/gate.yaml.
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.documents import load_file
from assistant.resources import data_dir
from assistant.settings import Settings
from assistant.text import STOPWORDS, numbers, words
from assistant.verify import passage_context

EVALS = data_dir("evals", "assistant.evals_data")
SAMPLES = data_dir("samples/articles", "assistant.samples_data")

# Direction of each metric: +1 higher is better, -1 lower is better.
METRICS: dict[str, int] = {
    "answer_f1": +1,
    "short_answer_f1": +1,
    "key_fact_recall": +1,
    "retrieval_recall": +1,
    "citation_recall": +1,
    "citation_precision": +1,
    "abstention_accuracy": +1,
    "false_abstention": -1,
    "followup_key_fact_recall": +1,
    "brief_coverage": +1,
    "generated_share": +1,
    "product_support": +1,
    "latency_p50_ms": -1,
    "latency_p95_ms": -1,
}
# Reported beside the gated metrics, never gated: the product's own support score (it cannot
# validate itself) and wall-clock latency (it measures the machine as much as the code).
REPORTED_ONLY = frozenset({"product_support", "latency_p50_ms", "latency_p95_ms"})


class EvalSetError(ValueError):
    """A reference set is malformed (the message names the file and the item)."""


# ---- reference sets ---------------------------------------------------------------------------
@dataclass
class Support:
    doc: str
    quote: str
    start: int = -1
    end: int = -1


@dataclass
class Item:
    id: str
    kind: str  # answerable | unanswerable | followup
    question: str
    answers: list[str] = field(default_factory=list)
    key_facts: list[str] = field(default_factory=list)
    support: list[Support] = field(default_factory=list)
    first: str | None = None  # follow-ups: the question before


@dataclass
class BriefCheck:
    doc: str
    must_mention: list[str]


@dataclass
class Suite:
    items: list[Item]
    briefs: list[BriefCheck]
    articles: Path


def load_suite(sets_dir: Path = EVALS / "sets", articles: Path = SAMPLES) -> Suite:
    texts = {p.name: d.page_content for p in sorted(articles.iterdir()) if p.is_file()
             for d in load_file(p).documents[:1]}

    def read(name: str) -> list[dict]:
        path = sets_dir / name
        if not path.exists():
            return []
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(data, list):
            raise EvalSetError(f"{path}: expected a list of items")
        return data

    def supports(raw: list[dict], where: str) -> list[Support]:
        out = []
        for s in raw or []:
            doc, quote = s.get("doc"), s.get("quote", "")
            if doc not in texts:
                raise EvalSetError(f"{where}: unknown doc {doc!r} (not in {articles})")
            start = texts[doc].find(quote)
            if not quote or start < 0:
                raise EvalSetError(f"{where}: quote is not verbatim in {doc}: {quote[:60]!r}")
            out.append(Support(doc, quote, start, start + len(quote)))
        return out

    items: list[Item] = []
    for raw in read("answerable.yaml"):
        where = f"answerable.yaml:{raw.get('id')}"
        items.append(Item(raw["id"], "answerable", raw["question"], raw.get("answers", []),
                          raw.get("key_facts", []), supports(raw.get("support", []), where)))
    for raw in read("unanswerable.yaml"):
        items.append(Item(raw["id"], "unanswerable", raw["question"]))
    for raw in read("followups.yaml"):
        where = f"followups.yaml:{raw.get('id')}"
        items.append(Item(raw["id"], "followup", raw["followup"], raw.get("answers", []),
                          raw.get("key_facts", []), supports(raw.get("support", []), where), first=raw["first"]))
    ids = Counter(i.id for i in items)
    dup = [i for i, n in ids.items() if n > 1]
    if dup:
        raise EvalSetError(f"{sets_dir}: duplicate ids {dup}")
    briefs = [BriefCheck(b["doc"], b["must_mention"]) for b in read("briefs.yaml")]
    for b in briefs:
        if b.doc not in texts:
            raise EvalSetError(f"briefs.yaml: unknown doc {b.doc!r}")
    return Suite(items, briefs, articles)


# ---- metrics ------------------------------------------------------------------------------------
_MARKERS = re.compile(r"\s*\[\d+\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_SYMBOLS = re.compile(r"[^\w\s]|_")


def normalize(text: str) -> str:
    text = _MARKERS.sub("", text).lower().replace("’", "'").replace("“", '"').replace("”", '"')
    # Every symbol is a separator: "£10.3m" and "10.3m" normalise alike.
    text = _SYMBOLS.sub(" ", text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, reference: str) -> float:
    pred, ref = normalize(prediction).split(), normalize(reference).split()
    common = Counter(pred) & Counter(ref)
    overlap = sum(common.values())
    if not pred or not ref or overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)


def has_fact(text: str, fact: str) -> bool:
    """A key fact ("East Turkestan Islamic Movement|ETIM") is present in normalised text."""
    hay = f" {normalize(text)} "
    return any(f" {normalize(alt)} " in hay for alt in fact.split("|") if alt.strip())


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---- running ------------------------------------------------------------------------------------
@dataclass
class Row:
    id: str
    kind: str
    question: str
    answer: str = ""
    abstained: bool = False
    citations: list[dict] = field(default_factory=list)
    f1: float | None = None
    short_f1: float | None = None
    key_facts: float | None = None
    retrieved: bool | None = None
    citation_recall: float | None = None
    citation_precision: float | None = None
    product_support: float | None = None
    mode: str = ""
    ms: float = 0.0
    passed: bool = True
    reasons: list[str] = field(default_factory=list)


def run_suite(settings: Settings | None = None, sets_dir: Path = EVALS / "sets", articles: Path = SAMPLES,
              progress: Callable[[int, int, str], None] | None = None, llm: Any = None) -> dict[str, Any]:
    """``llm``: a chat model to answer with instead of the configured one (tests use it to
    prove the gate fails when the model writes nonsense); it writes the answers even where the
    configured model would not (answer.generate "auto" becomes "always")."""
    from assistant.api import Assistant

    suite = load_suite(sets_dir, articles)
    base = settings or Settings()
    if llm is not None and base.answer.generate == "auto":
        base = base.model_copy(update={"answer": base.answer.model_copy(update={"generate": "always"})})
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        bot = Assistant(base.model_copy(update={"data_dir": Path(tmp)}))
        if llm is not None:
            bot.llm = llm
        started = time.perf_counter()
        report = bot.ingest([articles])
        if report.errors:
            raise EvalSetError(f"sample articles failed to ingest: {report.errors[0]}")
        doc_ids = {Path(d.path).name: d.doc_id for d in bot.documents()}
        rows: list[Row] = []
        total = len(suite.items) + len(suite.briefs)
        for n, item in enumerate(suite.items, start=1):
            rows.append(_score_item(bot, item, doc_ids))
            if progress:
                progress(n, total, item.id)
        brief_rows = []
        for m, check in enumerate(suite.briefs, start=len(suite.items) + 1):
            brief_rows.append(_score_brief(bot, check, doc_ids))
            if progress:
                progress(m, total, f"brief {check.doc}")
        elapsed = time.perf_counter() - started
        metrics = _aggregate(rows, brief_rows, writes=bot.settings.model_writes_answers)
        return {
            "metrics": metrics,
            "counts": dict(Counter(r.kind for r in rows)) | {"briefs": len(brief_rows)},
            "settings": bot.describe(),
            "seconds": round(elapsed, 1),
            "rows": [r.__dict__ for r in rows],
            "briefs": brief_rows,
        }


def _score_item(bot, item: Item, doc_ids: dict[str, str]) -> Row:
    row = Row(item.id, item.kind, item.question)
    history = None
    if item.kind == "followup":
        first = bot.ask(item.first)
        history = [(item.first, first.answer)]
    t = time.perf_counter()
    answer = bot.ask(item.question, history=history)
    row.ms = (time.perf_counter() - t) * 1000
    row.answer, row.abstained, row.mode = answer.answer, answer.abstained, answer.mode
    row.citations = [{"id": c.id, "doc": c.title, "quote": c.quote} for c in answer.citations]
    if item.kind == "unanswerable":
        if not answer.abstained:
            row.passed = False
            row.reasons.append("answered a question the articles cannot answer")
        return row
    # Retrieval: is a supporting passage inside a top-k chunk (for the question asked)?
    query = answer.standalone_question or item.question
    chunks = bot.retriever.retrieve(query).chunks
    row.retrieved = any(
        c.metadata["doc_id"] == doc_ids.get(s.doc) and c.metadata["start"] <= s.start and s.end <= c.metadata["end"]
        for s in item.support for c in chunks)
    if not row.retrieved:
        row.reasons.append(f"supporting passage not in the top {bot.settings.retrieval.k} chunks")
    if answer.abstained:
        row.f1, row.short_f1, row.key_facts = 0.0, 0.0, 0.0
        row.passed = False
        row.reasons.append("abstained on an answerable question")
        return row
    row.f1 = max((token_f1(answer.answer, ref) for ref in item.answers), default=0.0)
    short = answer.short_answer.text if answer.short_answer else ""
    row.short_f1 = max((token_f1(short, ref) for ref in item.answers), default=0.0) if short else 0.0
    found = [has_fact(answer.answer, f) for f in item.key_facts]
    row.key_facts = sum(found) / len(found) if found else 1.0
    missing = [f.split("|")[0] for f, ok in zip(item.key_facts, found, strict=True) if not ok]
    if missing:
        row.passed = False
        row.reasons.append("missing key fact: " + "; ".join(missing))
    row.citation_precision, uncontained = _citation_containment(answer)
    stated = [f for f, ok in zip(item.key_facts, found, strict=True) if ok]
    quotes = " ".join(c.quote for c in answer.citations)
    row.citation_recall = sum(has_fact(quotes, f) for f in stated) / len(stated) if stated else None
    row.product_support, _, _ = _citation_scores(bot, answer)
    if uncontained:
        row.passed = False
        row.reasons.append(f"{uncontained} citation(s) do not contain their sentence's words and numbers")
    return row


def citation_containment(answer) -> list[bool]:
    """Per (sentence, citation) pair: the cited quote holds at least 80% of the sentence's
    content words (exact, unstemmed) and all its numbers. Verbatim containment, independent of
    the product's support model (bench/qa_benchmark.py uses the same check)."""
    quotes = {c.id: c.quote for c in answer.citations}
    out = []
    for s in answer.sentences:
        content = {w for w in words(s.text) if w not in STOPWORDS}
        nums = numbers(s.text)
        for cid in s.citations:
            q = quotes.get(cid, "")
            qwords = set(words(q))
            out.append((not content or len(content & qwords) / len(content) >= 0.8) and nums <= numbers(q))
    return out


def _citation_containment(answer) -> tuple[float | None, int]:
    """Citation precision by verbatim containment. Returns (precision, number of failing citations)."""
    pairs = citation_containment(answer)
    return (sum(pairs) / len(pairs) if pairs else None), len(pairs) - sum(pairs)


def _citation_scores(bot, answer) -> tuple[float, float, int]:
    """ALCE-style citation recall and precision with the product's own support check
    (reported as product_support, not gated: a check cannot validate itself)."""
    quotes = {c.id: c.quote for c in answer.citations}
    contexts = {c.id: passage_context(c.title, (bot.document_text(c.doc_id) or "")[: c.start],
                                      bot.settings.verify.context_chars)
                for c in answer.citations}
    checker = bot.checker
    question = answer.standalone_question or answer.question

    def supports(sentence: str, ids: list[int]) -> bool:
        found = [i for i in ids if i in quotes]
        if not found:
            return False
        if sentence in (quotes[i] for i in found):
            return True
        return checker.check_many([sentence], [quotes[i] for i in found], question=question,
                                  contexts=[contexts[i] for i in found])[0].supported

    supported_sentences, precise, total_cites, unsupported = 0, 0, 0, 0
    sentences = [s for s in answer.sentences if s.text.strip()]
    for s in sentences:
        cited = [i for i in s.citations if i in quotes]
        whole = supports(s.text, cited)
        supported_sentences += whole
        unsupported += not whole
        for i in cited:
            total_cites += 1
            others = [j for j in cited if j != i]
            needed = whole and not (others and supports(s.text, others))
            precise += supports(s.text, [i]) or needed
    recall = supported_sentences / len(sentences) if sentences else 0.0
    precision = precise / total_cites if total_cites else 0.0
    return recall, precision, unsupported


def _score_brief(bot, check: BriefCheck, doc_ids: dict[str, str]) -> dict:
    t = time.perf_counter()
    brief = bot.brief(doc_ids=[doc_ids[check.doc]])
    text = brief.to_markdown()
    found = {fact: has_fact(text, fact) for fact in check.must_mention}
    return {"doc": check.doc, "coverage": sum(found.values()) / len(found), "missing": [
        f.split("|")[0] for f, ok in found.items() if not ok], "ms": (time.perf_counter() - t) * 1000,
        "headline": brief.headline}


def _aggregate(rows: list[Row], briefs: list[dict], writes: bool = True) -> dict[str, float | None]:
    """``writes``: whether the model writes answers (settings answer.generate); when it does
    not, generated_share is None (not gated: no model text is expected)."""
    ans = [r for r in rows if r.kind == "answerable"]
    fol = [r for r in rows if r.kind == "followup"]
    una = [r for r in rows if r.kind == "unanswerable"]
    answered = [r for r in ans + fol if not r.abstained]

    def mean(values: list[float | None]) -> float:
        vals = [v for v in values if v is not None]
        return round(sum(vals) / len(vals), 4) if vals else 0.0

    latencies = [r.ms for r in ans + fol + una]
    return {
        "answer_f1": mean([r.f1 for r in ans]),
        "short_answer_f1": mean([r.short_f1 for r in ans]),
        "key_fact_recall": mean([r.key_facts for r in ans]),
        "retrieval_recall": mean([float(r.retrieved) for r in ans + fol if r.retrieved is not None]),
        "citation_recall": mean([r.citation_recall for r in answered]),
        "citation_precision": mean([r.citation_precision for r in answered]),
        "abstention_accuracy": mean([float(r.abstained) for r in una]),
        "false_abstention": mean([float(r.abstained) for r in ans + fol]),
        "followup_key_fact_recall": mean([r.key_facts for r in fol]),
        "brief_coverage": mean([b["coverage"] for b in briefs]),
        "generated_share": mean([float(r.mode == "generated") for r in answered]) if writes else None,
        "product_support": mean([r.product_support for r in answered]),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "latency_p95_ms": round(_pct(latencies, 0.95), 1),
    }


# ---- gate ---------------------------------------------------------------------------------------
def load_gate(path: Path = EVALS / "gate.yaml") -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def gate(metrics: dict[str, float], baseline: dict[str, float] | None, rules: dict) -> list[str]:
    """Failures: metrics below their absolute floor, or worse than baseline beyond tolerance."""
    failures = []
    floors, tolerance = dict(rules.get("floors", {})), rules.get("tolerance", {})
    if metrics.get("generated_share") is not None:  # a model writes: its own, stricter floors too
        floors.update(rules.get("floors_when_writing", {}))
    for name, direction in METRICS.items():
        value = metrics.get(name)
        if value is None or name in REPORTED_ONLY:
            continue
        floor = floors.get(name)
        if floor is not None and (value < floor if direction > 0 else value > floor):
            failures.append(f"{name} = {value:.3f} is {'below' if direction > 0 else 'above'} its floor {floor}")
        if baseline and baseline.get(name) is not None and name in tolerance:
            tol = tolerance[name]
            allowed = baseline[name] - tol if direction > 0 else baseline[name] * (1 + tol)
            if (value < allowed) if direction > 0 else (value > allowed):
                failures.append(f"{name} = {value:.3f} regressed from baseline {baseline[name]:.3f} "
                                f"(tolerance {tol})")
    return failures


def write_reports(result: dict, out_dir: Path, baseline: dict | None, failures: list[str]) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "report.json", out_dir / "report.md"
    json_path.write_text(json.dumps({**result, "baseline": baseline, "failures": failures}, indent=2,
                                    ensure_ascii=False), encoding="utf-8")
    md_path.write_text(render_markdown(result, baseline, failures), encoding="utf-8")
    return json_path, md_path


def shown(value: float | None) -> str:
    """A metric as printed; None is a metric that does not apply (generated_share when the
    model does not write answers, settings answer.generate)."""
    return "n/a" if value is None else f"{value:.3f}"


def render_markdown(result: dict, baseline: dict | None, failures: list[str]) -> str:
    m = result["metrics"]
    lines = ["# Eval report", "", f"Status: **{'FAIL' if failures else 'PASS'}**  ",
             f"Run time: {result['seconds']} s  ",
             "Settings: " + "; ".join(f"{k}: {v}" for k, v in result["settings"].items() if k != "data_dir"), "",
             "| metric | value | baseline |", "| --- | --- | --- |"]
    for name in METRICS:
        base = shown(baseline[name]) if baseline and name in baseline else ""
        note = " (reported, not gated)" if name in REPORTED_ONLY else ""
        lines.append(f"| {name}{note} | {shown(m.get(name))} | {base} |")
    if failures:
        lines += ["", "## Gate failures", ""] + [f"- {f}" for f in failures]
    lines += ["", "## Questions", "", "| id | kind | pass | question | answer | citations | reasons |",
              "| --- | --- | --- | --- | --- | --- | --- |"]

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    for r in result["rows"]:
        cites = "; ".join(f"[{c['id']}] {c['quote'][:80]}" for c in r["citations"])
        lines.append(f"| {r['id']} | {r['kind']} | {'✓' if r['passed'] else '✗'} | {cell(r['question'])} | "
                     f"{cell(r['answer'][:300])} | {cell(cites)} | {cell('; '.join(r['reasons']))} |")
    if result.get("briefs"):
        lines += ["", "## Briefs", "", "| article | coverage | missing | ms |", "| --- | --- | --- | --- |"]
        for b in result["briefs"]:
            lines.append(f"| {b['doc']} | {b['coverage']:.2f} | {cell(', '.join(b['missing']))} | {b['ms']:.0f} |")
    return "\n".join(lines) + "\n"
