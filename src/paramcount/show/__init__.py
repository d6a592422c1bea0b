"""Showing a count: tables and derivations as text (:mod:`.explain`), weight diagrams as SVG
(:mod:`.diagram`), and formulas as MathML (:mod:`.mathml`)."""
