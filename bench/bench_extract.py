"""Extraction throughput: cpkg's extractor against spaCy's own ``nlp.pipe``, side by side.

    python bench/bench_extract.py [--words 200000] [--processes 1 2]

The corpus is the seed article plus ``../shared/polnear/dev/text`` (when present), repeated until
it holds ``--words`` words. For each process count it times (a) spaCy ``nlp.pipe`` with the
same model, and (b) ``Extractor.extract_many`` (our boundary component + parse + rules), and
prints words/s and the ratio (b)/(a): our overhead on top of parsing.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import spacy
from cpkg.articles import article_from_text
from cpkg.extract import Extractor

ROOT = Path(__file__).resolve().parent.parent
POLNEAR_DEV = ROOT.parent / "shared" / "polnear" / "dev" / "text"


def corpus(words: int) -> list[str]:
    texts = [(ROOT / "seeds" / "000_7ca092153d92ac16.txt").read_text(encoding="utf-8")]
    if POLNEAR_DEV.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(POLNEAR_DEV.glob("*.txt"))]
    out, count = [], 0
    while count < words:
        for text in texts:
            out.append(text)
            count += len(text.split())
            if count >= words:
                break
    return out


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    texts = corpus(args.words)
    words = sum(len(t.split()) for t in texts)
    extractor = Extractor()
    plain = spacy.load(extractor.model_name)
    articles = [article_from_text(t, id=f"a{i}") for i, t in enumerate(texts)]
    print(f"python {platform.python_version()}, spaCy {spacy.__version__}, model {extractor.model_name}")
    print(f"corpus: {len(texts)} articles, {words:,} words")
    print(f"{'processes':>9} {'spaCy words/s':>14} {'cpkg words/s':>13} {'ratio':>6}")
    for processes in args.processes:
        spacy_s = timed(lambda p=processes: list(plain.pipe(texts, n_process=p, batch_size=args.batch_size)))
        ours_s = timed(
            lambda p=processes: list(extractor.extract_many(articles, n_process=p, batch_size=args.batch_size))
        )
        print(f"{processes:>9} {words / spacy_s:>14,.0f} {words / ours_s:>13,.0f} {ours_s / spacy_s:>6.2f}")


if __name__ == "__main__":
    main()
