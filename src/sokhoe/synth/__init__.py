"""The synthetic province: people, households, cards, wallet integrations and their errors."""

from sokhoe.synth.generate import (
    DEFAULT_AS_OF,
    InvalidOptions,
    ProgressStart,
    SynthOptions,
    SynthSummary,
    generate,
    parse_date,
)

__all__ = [
    "DEFAULT_AS_OF",
    "InvalidOptions",
    "ProgressStart",
    "SynthOptions",
    "SynthSummary",
    "generate",
    "parse_date",
]
