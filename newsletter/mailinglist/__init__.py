"""Working-group mailing lists: members write to a list's address, the list relays.

``config`` reads a list's ``posting:`` block; the tables are in ``store.mailinglist``.
"""
