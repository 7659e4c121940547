"""Synthetic core-banking landing data: `generate` a bank, `corrupt` a day folder."""

from synth.corrupt import CORRUPTION_KINDS, corrupt
from synth.generator import generate

__all__ = ["CORRUPTION_KINDS", "corrupt", "generate"]
