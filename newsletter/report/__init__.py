"""Reports people read: the delivery report of an issue (CSV), the printable edition,
the yearly activity report."""
