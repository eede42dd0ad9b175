"""Tools: ``@tool`` functions with schemas from their type hints, and the runner that calls them.

Above the client: the runner drives ``client.messages`` turn by turn.
"""

from __future__ import annotations

from ._runner import (
    StreamingToolRunner,
    ToolRunner,
)
from ._tool import (
    Tool,
    ToolResult,
    json_schema_tool,
    tool,
)

__all__ = [
    "StreamingToolRunner",
    "Tool",
    "ToolResult",
    "ToolRunner",
    "json_schema_tool",
    "tool",
]
