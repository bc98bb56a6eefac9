"""Draft a tutorial folder (claims.yaml, models.py, DRAFT.md) from a tutorial's own text.

The pipeline, one module per step: ``source`` reads the page (plain text, markdown, a notebook,
a ``.py``) into numbered lines with a role; ``summary``, ``fitlog`` and ``results`` parse what
Keras printed; ``code`` reads the code that builds, compiles, fits and evaluates models;
``prose`` finds the sentences that state figures or relations; ``link`` ties all of it to models
and runs; ``models_writer``, ``claims_writer`` and ``report`` write the folder's files, and
``folder`` writes them atomically. Nothing is measured here: every expected value is a figure
the page printed, quoted word for word.
"""
