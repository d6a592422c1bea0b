"""Reconciling a pasted ``model.summary()``: the table is read (:mod:`.table`), each row is
solved through its class's registration and formula (:mod:`.search`, driven by :mod:`.solve`),
said in words (:mod:`.phrase`), and the totals are checked (:mod:`.totals`)."""

from .results import Reconciliation, RowResult
from .solve import reconcile

__all__ = ["reconcile", "Reconciliation", "RowResult"]
