"""Ranking: each participant orders all the items; Borda points rank them for the group.

One folder, one file per layer: ``rules`` (the :class:`~csikit.kinds.base.Kind`),
``results`` (the :class:`~csikit.kinds.results.Results`), ``screen`` (the phone's screen
as data) and ``phone.js`` (the phone draws it). :mod:`csikit.kinds` loads each on demand.
"""
