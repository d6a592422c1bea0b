"""Reconciling a pasted ``model.summary()``: the table is read (:mod:`.table`), and each row is
solved through the registered formulas (:mod:`.solve`)."""

from .solve import SUPPORTED_CLASSES, Reconciliation, RowResult, reconcile

__all__ = ["reconcile", "Reconciliation", "RowResult", "SUPPORTED_CLASSES"]
