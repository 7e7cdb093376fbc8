"""How well an anchor is found again after its article's text is edited: the fuzzy threshold's evidence.

    .venv/bin/python bench/anchoring.py [--samples 300] [--seed 1]

For passages of several lengths taken at random from the articles at hand (the seed article in
../shared/articles, read at run time, and the extraction corpus in bench/corpus when present), it
scores with rapidfuzz's partial ratio, as claims.anchoring does:

- the passage after a small edit (one word replaced, one inserted, a typo fixed, three words
  replaced): an anchor that should be found again;
- the article with the passage deleted: an anchor that must be orphaned, not moved onto other words.

It prints, per length, the 5th percentile and the minimum of the first and the 95th percentile and
the maximum of the second, then how claims.anchoring.relocate classifies each case with the
threshold and the minimum length it uses, and how often a passage found again has exactly the
edited passage's ends.
"""

import argparse
import random
import sys
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims import anchoring  # noqa: E402

LENGTHS = (20, 40, 80, 160, 320)


def texts() -> list[str]:
    found = sorted((ROOT.parent / "shared" / "articles").glob("*.txt")) + sorted(
        (ROOT / "bench" / "corpus").glob("**/*.txt")
    )
    return [path.read_text(encoding="utf-8") for path in found]


def edited(rng: random.Random, passage: str, kind: int) -> str:
    words = passage.split(" ")
    i = rng.randrange(len(words))
    if kind == 0:
        words[i] = "reportedly"
    elif kind == 1:
        words.insert(i, "also")
    elif kind == 2:
        words[i] = words[i][:-1] + "x" if len(words[i]) > 1 else "x"
    else:
        for _ in range(3):
            words[rng.randrange(len(words))] = "changed"
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bodies = [text for text in texts() if len(text) > 2 * max(LENGTHS)]
    if not bodies:
        sys.exit("No article text found (../shared/articles or bench/corpus).")
    print(f"{len(bodies)} articles, {sum(map(len, bodies)):,} characters; threshold {anchoring.FUZZY_THRESHOLD}")
    print(f"{'length':>6} {'edited p5':>10} {'edited min':>10} {'deleted p95':>11} {'deleted max':>11}  relocate()")
    for length in LENGTHS:
        kept, lost = [], []
        outcomes = {
            "edited found": 0,
            "of which exact ends": 0,
            "edited lost": 0,
            "deleted found": 0,
            "deleted lost": 0,
        }
        for _ in range(args.samples):
            body = rng.choice(bodies)
            start = rng.randrange(0, len(body) - length)
            # Start and end on word boundaries, as passages do.
            start = body.rfind(" ", 0, start) + 1
            end = body.find(" ", start + length)
            end = len(body) if end < 0 else end
            passage = body[start:end]
            anchor = anchoring.describe(body, start, end)
            new_passage = edited(rng, passage, rng.randrange(4))
            after_edit = body[:start] + new_passage + body[end:]
            after_delete = body[:start] + body[end:]
            kept.append(fuzz.partial_ratio(passage, after_edit))
            lost.append(fuzz.partial_ratio(passage, after_delete))
            found = anchoring.relocate(after_edit, anchor)
            edited_status = found.status
            if (found.start, found.end) == (start, start + len(new_passage)):
                outcomes["of which exact ends"] += 1
            deleted_status = anchoring.relocate(after_delete, anchor).status
            outcomes["edited found" if edited_status != "orphaned" else "edited lost"] += 1
            # A deleted passage whose exact words recur elsewhere is rightly "moved": count it apart.
            if deleted_status == "moved":
                continue
            outcomes["deleted found" if deleted_status != "orphaned" else "deleted lost"] += 1
        kept.sort()
        lost.sort()
        p5, p95 = kept[len(kept) // 20], lost[len(lost) * 19 // 20]
        summary = ", ".join(f"{name} {count}" for name, count in outcomes.items())
        print(f"{length:>6} {p5:>10.1f} {kept[0]:>10.1f} {p95:>11.1f} {lost[-1]:>11.1f}  {summary}")


if __name__ == "__main__":
    main()
