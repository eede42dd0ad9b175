"""OpenTelemetry for aclaude (``pip install aclaude[otel]``): spans with the GenAI semantic
conventions and metrics, for every streamed Messages call::

    from aclaude.telemetry import Telemetry
    client = aclaude.Client(middleware=[Telemetry()])   # the global tracer and meter providers

See ``Telemetry`` for what is recorded.
"""

from ._telemetry import Telemetry, TracedEventStream

__all__ = ["Telemetry", "TracedEventStream"]
