"""Fist of five: consent per proposal, 0 (I object) to 5 fingers; 0–2 gives the objection.

One folder, one file per layer: ``rules`` (the :class:`~csikit.kinds.base.Kind`),
``results`` (the :class:`~csikit.kinds.results.Results`), ``screen`` (the phone's screen
as data) and ``phone.js`` (the phone draws it). :mod:`csikit.kinds` loads each on demand.
"""
