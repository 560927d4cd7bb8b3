"""What the application does, as verb_noun functions: the only place that changes data.

Services flush and never commit; the view or CLI command commits once. The acting user is a
parameter; services never read the request, the session or ``g``.
"""
