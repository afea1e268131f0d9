"""Reconciliation: the register, BHXH's card list and VNeID integrations, cross-checked."""

from sokhoe.reconcile.service import ENGINES, ReconcileOptions, UnknownEngine, run

__all__ = ["ENGINES", "ReconcileOptions", "UnknownEngine", "run"]
