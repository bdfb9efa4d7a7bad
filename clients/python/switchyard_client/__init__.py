"""A thin layer over the generated Switchyard stubs (switchyard.v1).

``SwitchyardClient`` opens one channel whose every call carries the gateway key
(``SWITCHYARD_API_KEY`` unless given), exposes the generated stubs on it, and adds
helpers for the common calls: chat answers and streams with their text and the
gateway's ``x-litellm-*`` route metadata, and embeddings. Errors are the usual
``grpc.RpcError`` (``.code()``, ``.details()``).
"""

from switchyard_client.auth import API_KEY_VARIABLE, ApiKeyInterceptor
from switchyard_client.client import ChatReply, ChatStream, SwitchyardClient, user_message
from switchyard_client.route import RouteMetadata

__all__ = [
    "API_KEY_VARIABLE",
    "ApiKeyInterceptor",
    "ChatReply",
    "ChatStream",
    "RouteMetadata",
    "SwitchyardClient",
    "user_message",
]
