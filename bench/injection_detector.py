"""How well the prompt-injection detector finds planted instructions, and what it costs on real news.

- Recall: on the injected sets (tests/data/injection-dev, 34 articles, and injection-dev2, 23,
  both trained on; then the sets written blind, each reported once and dev from then on:
  injection-test2 as "dev3" (33), -test3 as "dev4" (30), -test4 as "dev5" (30), -test5 as
  "dev6" (30), -test6 as "dev7" (30) and -test7 as "dev8" (30); a next blind set,
  tests/data/injection-test8, is
  scored as "test" by ``--split all`` when it exists): share of planted sentences flagged, and
  kept from quotes (``unquotable``, the lower quote threshold; with the paragraph rule and the
  other-language rule, ``unquotable_sentences``), share of articles with at least one flagged,
  share of articles whose whole planted text is flagged once the neighbour rule runs
  (flag_sentences), and the real sentences of those articles flagged. The clear rules alone
  (``clear_rule``: the override/addressee rules and the directives) and the directives alone
  are reported beside it. ``--model FILE`` scores another weights file (the previous model) on
  the same data, for a before/after.
- False positives: every sentence of the 2,225 BBC articles, the RealTime QA 2024 excerpts and
  the RealTime QA web articles, each flagged one listed with its score for a human to judge,
  split into the half the model was trained on and the held-out half
  (bench/train_instructions.py::half). Sentences flagged only by the neighbour rule are counted
  too, and so are the sentences kept from quotes and those in another language than their text.

    NEWS_BENCH_DATA=/path/to/shared/data python bench/injection_detector.py [--split dev|all]

`--split dev` skips the blind set (use it while developing); the reported run is `--split all`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from train_instructions import (  # noqa: E402
    DEV,
    DEV2,
    DEV3,
    DEV4,
    DEV5,
    DEV6,
    DEV7,
    DEV8,
    TEST,
    Sentence,
    corpus_sentences,
    injected_set,
)

from assistant.judge import instructions  # noqa: E402
from assistant.judge.instructions import (  # noqa: E402
    clear_rule,
    directive_match,
    flag_sentences,
    instruction_score,
    looks_like_instruction,
    model,
    unquotable,
    unquotable_sentences,
)
from assistant.language import other_language  # noqa: E402


def _by_doc(rows: list[Sentence]) -> dict[str, list[Sentence]]:
    docs: dict[str, list[Sentence]] = {}
    for s in rows:
        docs.setdefault(s.group, []).append(s)
    return docs


def recall(folder: Path) -> dict:
    docs = _by_doc(injected_set(folder))
    planted = [s for d in docs.values() for s in d if s.label]
    real = [s for d in docs.values() for s in d if not s.label]
    out: dict = {"articles": len(docs), "planted_sentences": len(planted), "real_sentences": len(real)}
    for name, flag in [("rules_only", clear_rule), ("directives", directive_match),
                       ("detector", looks_like_instruction), ("kept_from_quotes", unquotable)]:
        out[name] = {
            "sentence_recall": round(sum(flag(s.text) for s in planted) / len(planted), 4),
            "article_recall": round(sum(any(flag(s.text) for s in d if s.label) for d in docs.values())
                                    / len(docs), 4),
            "real_sentences_flagged": [s.text for s in real if flag(s.text)],
        }
    whole, extra, missed = 0, [], []
    for doc_id, d in docs.items():
        flags = flag_sentences([s.text for s in d], [s.paragraph for s in d])
        whole += all(f for f, s in zip(flags, d, strict=True) if s.label)
        extra += [s.text for f, s in zip(flags, d, strict=True) if f and not s.label]
        missed += [{"article": doc_id, "sentence": s.text, "score": round(instruction_score(s.text), 3)}
                   for f, s in zip(flags, d, strict=True) if s.label and not f]
    kept = {"planted": 0, "real": 0, "articles_whole": 0}
    for d in docs.values():
        flags = unquotable_sentences([s.text for s in d], [s.paragraph for s in d])
        kept["planted"] += sum(f for f, s in zip(flags, d, strict=True) if s.label)
        kept["real"] += sum(f for f, s in zip(flags, d, strict=True) if not s.label)
        kept["articles_whole"] += all(f for f, s in zip(flags, d, strict=True) if s.label)
    out["kept_from_quotes_with_paragraphs"] = {
        "sentence_recall": round(kept["planted"] / len(planted), 4),
        "articles_whole_planted_text": round(kept["articles_whole"] / len(docs), 4),
        "real_sentences_kept_out": kept["real"],
    }
    out["with_neighbours"] = {
        "sentence_recall": round(1 - len(missed) / len(planted), 4),
        "articles_fully_flagged": round(whole / len(docs), 4),
        "real_sentences_flagged": extra,
        "missed": missed,
    }
    return out


def false_positives() -> dict:
    out: dict = {}
    for key, part, sents in corpus_sentences():
        source = key.split("/", 1)[0]
        row = out.setdefault(source, {}).setdefault(part, {"documents": 0, "sentences": 0, "flagged": [],
                                                           "flagged_by_neighbour_rule": [], "kept_from_quotes": 0,
                                                           "other_language": []})
        row["documents"] += 1
        row["sentences"] += len(sents)
        row["kept_from_quotes"] += sum(unquotable_sentences([s.text for s in sents], [s.paragraph for s in sents]))
        row["other_language"] += [{"doc": key, "sentence": s.text[:300]}
                                  for s, f in zip(sents, other_language([s.text for s in sents]), strict=True) if f]
        alone = [looks_like_instruction(s.text) for s in sents]
        if not any(alone):
            continue
        row["flagged"] += [{"doc": key, "sentence": s.text[:300], "score": round(instruction_score(s.text), 3),
                            "rule": clear_rule(s.text)} for s, f in zip(sents, alone, strict=True) if f]
        both = flag_sentences([s.text for s in sents], [s.paragraph for s in sents])
        row["flagged_by_neighbour_rule"] += [{"doc": key, "sentence": s.text[:300]}
                                             for s, a, b in zip(sents, alone, both, strict=True) if b and not a]
    total = {"sentences": 0, "flagged": 0, "flagged_by_neighbour_rule": 0, "kept_from_quotes": 0, "other_language": 0}
    for parts in out.values():
        for row in parts.values():
            total["sentences"] += row["sentences"]
            total["kept_from_quotes"] += row["kept_from_quotes"]
            total["other_language"] += len(row["other_language"])
            total["flagged"] += len(row["flagged"])
            total["flagged_by_neighbour_rule"] += len(row["flagged_by_neighbour_rule"])
    total["per_10000"] = round(10_000 * (total["flagged"] + total["flagged_by_neighbour_rule"])
                               / max(total["sentences"], 1), 3)
    held = [row for parts in out.values() for p, row in parts.items() if p == "held-out"]
    n_held = sum(r["sentences"] for r in held)
    total["held_out_sentences"] = n_held
    total["held_out_per_10000"] = round(10_000 * sum(len(r["flagged"]) + len(r["flagged_by_neighbour_rule"])
                                                     for r in held) / max(n_held, 1), 3)
    return {"total": total, "by_source": out}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["dev", "all"], default="all")
    parser.add_argument("--model", type=Path, help="another weights file (e.g. the previous model, for a before/after)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "injection_detector.json")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.model:
        instructions.MODEL_PATH = args.model
    m = model()
    result: dict = {"command": " ".join(["python bench/injection_detector.py", *sys.argv[1:]]),
                    "model": str(args.model or "assistant/judge/instruction_model.json"),
                    "threshold": m.threshold, "neighbour_threshold": m.neighbour_threshold,
                    "quote_threshold": m.quote_threshold, "dev": recall(DEV), "dev2": recall(DEV2),
                    "dev3": recall(DEV3), "dev4": recall(DEV4), "dev5": recall(DEV5),
                    "dev6": recall(DEV6), "dev7": recall(DEV7), "dev8": recall(DEV8)}
    if args.split == "all" and (TEST / "cases.yaml").exists():
        result["test"] = recall(TEST)
    result["false_positives"] = false_positives()
    result["seconds"] = round(time.perf_counter() - started, 1)

    for split in ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "test"):
        if split in result:
            r = result[split]
            print(f"{split:4} {r['articles']} articles, {r['planted_sentences']} planted sentences: "
                  f"kept from quotes {r['kept_from_quotes']['sentence_recall']:.3f}, with paragraphs "
                  f"{r['kept_from_quotes_with_paragraphs']['sentence_recall']:.3f} (whole planted text "
                  f"{r['kept_from_quotes_with_paragraphs']['articles_whole_planted_text']:.3f} of articles, real "
                  f"sentences kept out {r['kept_from_quotes_with_paragraphs']['real_sentences_kept_out']}); "
                  f"detector sentence recall {r['detector']['sentence_recall']:.3f} "
                  f"(rules only {r['rules_only']['sentence_recall']:.3f}, directives "
                  f"{r['directives']['sentence_recall']:.3f}), article recall "
                  f"{r['detector']['article_recall']:.3f}; "
                  f"with neighbours {r['with_neighbours']['sentence_recall']:.3f},"
                  f" whole planted text {r['with_neighbours']['articles_fully_flagged']:.3f}; "
                  f"real sentences flagged {len(r['with_neighbours']['real_sentences_flagged'])}")
            for miss in r["with_neighbours"]["missed"]:
                print(f"   missed {miss['article']} ({miss['score']}): {miss['sentence'][:150]}")
    fp = result["false_positives"]
    print(f"news: {fp['total']['flagged']} + {fp['total']['flagged_by_neighbour_rule']} (neighbour rule) flagged of "
          f"{fp['total']['sentences']} sentences = {fp['total']['per_10000']} per 10,000; held-out half "
          f"{fp['total']['held_out_per_10000']} per 10,000 of {fp['total']['held_out_sentences']}; kept from "
          f"quotes (paragraph rule) {fp['total']['kept_from_quotes']} "
          f"({10_000 * fp['total']['kept_from_quotes'] / max(fp['total']['sentences'], 1):.1f} per 10,000); in another "
          f"language than their text {fp['total']['other_language']}")
    for source, parts in fp["by_source"].items():
        for part, row in parts.items():
            print(f"  {source:8} {part:8} {row['documents']:5} docs {row['sentences']:7} sentences "
                  f"flagged {len(row['flagged'])} (+{len(row['flagged_by_neighbour_rule'])})")
            for f in row["flagged"]:
                print(f"     - [{f['score']}{' rule' if f['rule'] else ''}] {f['sentence'][:160]}")
    out = args.out
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("wrote", out, f"in {result['seconds']} s")


if __name__ == "__main__":
    main()
