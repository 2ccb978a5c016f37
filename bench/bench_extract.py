"""Extraction throughput: cpkg's extractor against spaCy's own ``nlp.pipe``, side by side.

    python bench/bench_extract.py [--words 200000] [--processes 1 2] [--model] [--model-only]

The corpus is the seed article plus ``../shared/polnear/dev/text`` (when present), repeated until
it holds ``--words`` words. For each process count it times (a) spaCy ``nlp.pipe`` with the
same model, and (b) ``Extractor.extract_many`` (our boundary component + parse + rules), and
prints words/s and the ratio (b)/(a): our overhead on top of parsing.

``--model`` also measures the learned attribution tagger (``cpkg.extract.learned``, shipped weights)
against spaCy's parse of the same articles, both on one thread and interleaved article by article so
that a busy machine slows both alike: the ratio model/parse, the model's load time in a fresh process
(and the import before it) and the peak resident memory of a process extracting the corpus with
``attributions=learned``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
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


IMPORT_PROBE = """
import time
started = time.perf_counter()
from cpkg.extract.learned import AttributionTagger
print(time.perf_counter() - started)
"""

LOAD_PROBE = """
import time
from cpkg.extract.learned import AttributionTagger
started = time.perf_counter()
AttributionTagger.load()
print(time.perf_counter() - started)
"""

MEMORY_PROBE = """
import resource, sys
from cpkg.articles import article_from_text
from cpkg.extract import build_extractor
texts = [open(path, encoding="utf-8").read() for path in sys.argv[1:]]
extractor = build_extractor(["attributions=learned"])
for number, text in enumerate(texts):
    extractor.extract(article_from_text(text, id=f"a{number}"))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def probe(code: str, *args: str) -> float:
    """A number printed by ``code`` run in a fresh one-thread Python process."""
    env = {**os.environ, "CPKG_MODEL_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def bench_model(texts: list[str], nlp: spacy.Language) -> None:
    """The learned tagger's inference against spaCy's parse of the same articles, one thread each."""
    os.environ["CPKG_MODEL_THREADS"] = "1"
    from cpkg.extract.learned import AttributionTagger

    tagger = AttributionTagger.load()
    words = sum(len(t.split()) for t in texts)
    parse_s = model_s = 0.0
    found = 0
    for text in texts:
        parse_s += timed(lambda t=text: nlp(t))
        started = time.perf_counter()
        found += len(tagger.predict(text))
        model_s += time.perf_counter() - started
    import_s = min(probe(IMPORT_PROBE) for _ in range(3))
    load_s = min(probe(LOAD_PROBE) for _ in range(3))
    unique = list(dict.fromkeys(texts))
    paths = [str(p) for p in sorted(POLNEAR_DEV.glob("*.txt"))] if POLNEAR_DEV.is_dir() else []
    paths = paths or [str(ROOT / "seeds" / "000_7ca092153d92ac16.txt")]
    rss_mb = probe(MEMORY_PROBE, *paths)
    print(f"learned tagger, one thread, {len(texts)} articles ({len(unique)} distinct), {words:,} words:")
    print(f"  spaCy parse {parse_s:.1f} s ({words / parse_s:,.0f} words/s)")
    print(f"  model       {model_s:.1f} s ({words / model_s:,.0f} words/s)")
    print(f"  model / parse = {model_s / parse_s:.2f}x; {found} attributions")
    print(f"  model load {load_s:.2f} s (fresh process, best of 3)")
    print(f"  import of cpkg.extract.learned before it {import_s:.2f} s")
    print(f"  peak resident memory extracting {len(paths)} articles with attributions=learned: {rss_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--model", action="store_true", help="also measure the learned attribution tagger")
    parser.add_argument("--model-only", action="store_true", help="measure only the learned attribution tagger")
    args = parser.parse_args()

    if args.model_only:
        bench_model(corpus(args.words), spacy.load(Extractor().model_name))
        return
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
    if args.model:
        bench_model(texts, plain)


if __name__ == "__main__":
    main()
