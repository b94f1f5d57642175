"""Quote attribution accuracy against hand labels on dev articles.

Labels: tests/data/quotes_labels.yaml (sentences of BBC dev and FRANK CNN/DM dev articles,
labelled by reading them in their article). A prediction is right when it names the same
person or body as the label (same surname / last word, or one contained in the other) or
when both say nobody is named.

    python bench/brief_quotes.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import brief_data  # noqa: E402
import yaml  # noqa: E402

from assistant.brief.quotes import attribute  # noqa: E402
from assistant.text import sentences  # noqa: E402

LABELS = ROOT / "tests" / "data" / "quotes_labels.yaml"


def same_speaker(predicted: str | None, gold: str | None) -> bool:
    if predicted is None or gold is None:
        return predicted is None and gold is None
    p, g = predicted.lower(), gold.lower()
    return p.split()[-1] == g.split()[-1] or p in g or g in p


def article_texts() -> dict[str, str]:
    texts = {}
    for art in brief_data.frank_dev():
        texts[art.key] = art.text
    for path in sorted((brief_data.corpus.BBC / "articles").glob("*/*.txt")):
        texts[f"bbc/{path.parent.name}/{path.name}"] = path
    return texts


def main() -> None:
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    texts = article_texts()
    rows, right = [], 0
    for item in labels:
        source = texts[item["article"]]
        body = brief_data._bbc_body(source)[1] if isinstance(source, Path) else source
        sents = [s.text for s in sentences(body)]
        sentence = sents[item["sentence"]]
        if not sentence.startswith(item["starts"]):
            raise SystemExit(f"{LABELS}: {item['article']} sentence {item['sentence']} now reads "
                             f"{sentence[:60]!r}, not {item['starts']!r} (did sentence splitting change?)")
        # As in a brief: attribution reads every sentence before (a caption may name the speaker).
        predicted = attribute(item["sentence"], sents)
        ok = same_speaker(predicted, item["speaker"])
        right += ok
        rows.append({**item, "predicted": predicted, "correct": ok})
    accuracy = right / len(rows)
    named = [r for r in rows if r["speaker"]]
    out = {"labels": len(rows), "accuracy": accuracy,
           "accuracy_named": sum(r["correct"] for r in named) / len(named), "rows": rows}
    Path(ROOT / "bench" / "results" / "brief_quotes.json").write_text(json.dumps(out, indent=1))
    for r in rows:
        if not r["correct"]:
            print(f"  wrong: {r['article']} #{r['sentence']}: gold {r['speaker']!r}, predicted {r['predicted']!r}")
    print(f"quote attribution accuracy {accuracy:.3f} on {len(rows)} hand-labelled dev quotes "
          f"({out['accuracy_named']:.3f} on the {len(named)} with a named speaker)")


if __name__ == "__main__":
    main()
