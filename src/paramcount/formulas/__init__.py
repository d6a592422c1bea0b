"""One module per layer family; each registers its formulas with :func:`registry.layer`.

Besides the families: ``base`` (what a formula is written with), ``registry`` (the classes and
their facts), ``families`` (which module registers each class: derived, so that a count imports
only the families it meets), ``apply`` (applying a formula to one layer), ``entry`` (reading one
serialized layer) and ``refused`` (the classes paramcount refuses, and why)."""
