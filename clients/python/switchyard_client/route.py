"""The gateway's route metadata (LiteLLM's ``x-litellm-*`` response headers), typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Tuple


@dataclass(frozen=True)
class RouteMetadata:
    """Which deployment answered a call, and what the router went through to get there."""

    #: x-litellm-call-id: the id of this call in logs, spend records and traces.
    call_id: Optional[str] = None
    #: x-litellm-model-group: the model name the call asked for.
    model_group: Optional[str] = None
    #: x-litellm-model-id: the deployment of that group that answered.
    deployment_id: Optional[str] = None
    #: x-litellm-overhead-duration-ms: time spent in the gateway itself.
    overhead_ms: Optional[float] = None
    #: x-litellm-attempted-retries
    attempted_retries: int = 0
    #: x-litellm-attempted-fallbacks
    attempted_fallbacks: int = 0

    @classmethod
    def from_metadata(cls, metadata: Optional[Iterable[Tuple[str, str]]]) -> "RouteMetadata":
        values = {name: value for name, value in (metadata or ())}

        def number(name: str, kind):
            value = values.get(name)
            try:
                return kind(value) if value is not None else None
            except ValueError:
                return None

        return cls(
            call_id=values.get("x-litellm-call-id"),
            model_group=values.get("x-litellm-model-group"),
            deployment_id=values.get("x-litellm-model-id"),
            overhead_ms=number("x-litellm-overhead-duration-ms", float),
            attempted_retries=number("x-litellm-attempted-retries", int) or 0,
            attempted_fallbacks=number("x-litellm-attempted-fallbacks", int) or 0,
        )
