"""Consent: a yes/no decision per proposal; a proposal passes when nobody objects.

One folder, one file per layer: ``rules`` (the :class:`~csikit.kinds.base.Kind`),
``results`` (the :class:`~csikit.kinds.results.Results`), ``screen`` (the phone's screen
as data) and ``phone.js`` (the phone draws it). :mod:`csikit.kinds` loads each on demand.
"""
