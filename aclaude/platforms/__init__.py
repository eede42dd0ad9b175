"""Cloud platforms: Amazon Bedrock, Google Vertex AI and Microsoft Foundry.

Each is a ``Client`` whose ``_prepare_request`` rewrites and authenticates one attempt
(``_base.PlatformClient`` holds what the three share); the resources and streams are the
client's own.
"""

from __future__ import annotations

from ._base import (
    PlatformClient,
)
from ._bedrock import (
    BedrockClient,
)
from ._foundry import (
    FoundryClient,
)
from ._vertex import (
    VertexClient,
)

__all__ = [
    "BedrockClient",
    "FoundryClient",
    "PlatformClient",
    "VertexClient",
]
