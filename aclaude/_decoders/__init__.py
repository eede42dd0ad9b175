"""Sans-IO byte decoders: SSE, JSON Lines and the AWS event-stream framing.

Bytes in, complete items out; no asyncio, no aiohttp, no knowledge of the API's event types.
The bottom layer with ``aclaude.types``.
"""
