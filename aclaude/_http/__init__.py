"""The HTTP layer: the transport that owns aiohttp, read deadlines, the retry policy,
multipart bodies, pagination, raw responses and downloads.

``transport`` is the one module that touches aiohttp's request API; every aiohttp and OS error
becomes an aclaude error there.
"""
