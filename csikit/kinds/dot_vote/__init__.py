"""Dot vote: each participant spends a budget of dots on the items, at most a cap on one.

One folder, one file per layer: ``rules`` (the :class:`~csikit.kinds.base.Kind`),
``results`` (the :class:`~csikit.kinds.results.Results`), ``screen`` (the phone's screen
as data) and ``phone.js`` (the phone draws it). :mod:`csikit.kinds` loads each on demand.
"""
