"""The web shell: app factory, sign-in, per-request unit of work, layout, language, homes.

Each bounded context adds its pages as a router and each role's home as a module in
:mod:`sokhoe.web.homes` (see :mod:`sokhoe.web.home`).
"""
