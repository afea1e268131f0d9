"""One module per role, each registering that role's home page with ``@register_home``.

Every module in this package is imported at start-up (:func:`sokhoe.web.home.load_homes`),
so adding a file is all it takes to give a role its home.
"""
