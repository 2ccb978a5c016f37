"""The pipeline configuration: the shipped ``pipeline.toml`` with the user's changes on top."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from cpkg.errors import InputError

PIPELINE_ENV = "CPKG_PIPELINE"


@dataclass(frozen=True)
class PipelineConfig:
    """Hashable, so one extractor serves every caller with the same configuration."""

    spacy_model: str | None
    choices: tuple[tuple[str, str], ...]
    """(component kind, implementation name) pairs (see ``cpkg.extract.components.REGISTRY``)."""

    def implementation(self, kind: str) -> str:
        return dict(self.choices)[kind]

    def describe(self) -> str:
        return ", ".join(f"{kind}={name}" for kind, name in self.choices)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"{path}: cannot read the pipeline configuration ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a valid TOML pipeline configuration ({error})") from None


def _merge(base: dict[str, Any], changes: Mapping[str, Any], source: str) -> None:
    for section, values in changes.items():
        if section not in base or not isinstance(values, dict):
            raise InputError(f"{source}: unknown pipeline section [{section}]; the sections are {', '.join(base)}")
        for key, value in values.items():
            if key not in base[section]:
                raise InputError(f"{source}: unknown key {key!r} in [{section}]; known: {', '.join(base[section])}")
            if not isinstance(value, str):
                raise InputError(f"{source}: [{section}] {key} must be a string, not {value!r}")
            base[section][key] = value


def _setting(text: str) -> dict[str, Any]:
    """ "attributions=learned" or "nlp.spacy_model=en_core_web_md" as a TOML-shaped change."""
    name, _, value = text.partition("=")
    section, _, key = name.strip().rpartition(".")
    return {section or "components": {key: value.strip()}}


def load_config(sources: Iterable[str | Path] = ()) -> PipelineConfig:
    """The shipped configuration, then $CPKG_PIPELINE (whitespace-separated), then each source in
    order; a source is a TOML file or a ``component=implementation`` setting."""
    data = tomllib.loads(files("cpkg.extract").joinpath("pipeline.toml").read_text(encoding="utf-8"))
    chosen = os.environ.get(PIPELINE_ENV, "").split()
    for source in [*chosen, *sources]:
        text = str(source)
        if "=" in text and not Path(text).is_file():
            _merge(data, _setting(text), f"--pipeline {text}")
        else:
            _merge(data, _read_toml(Path(text)), text)
    from cpkg.extract.components import implementation

    for kind, name in data["components"].items():
        implementation(kind, name)  # unknown names fail here, before anything is loaded
    return PipelineConfig(
        spacy_model=data["nlp"]["spacy_model"] or None,
        choices=tuple(data["components"].items()),
    )
