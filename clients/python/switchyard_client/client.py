"""SwitchyardClient: one authenticated channel, the generated stubs, and helpers for common calls."""

from __future__ import annotations

from typing import Iterator, List, Optional, Sequence, Union

import grpc

from switchyard.v1 import (
    agent_pb2_grpc,
    chat_pb2,
    completion_pb2,
    completion_pb2_grpc,
    credential_pb2_grpc,
    key_pb2_grpc,
    model_pb2_grpc,
    prompt_pb2_grpc,
)
from switchyard_client.auth import ApiKeyInterceptor, api_key_from_environment
from switchyard_client.route import RouteMetadata

Messages = Union[str, Sequence[chat_pb2.ChatMessage]]


def user_message(text: str) -> chat_pb2.ChatMessage:
    """A user message with one text part."""
    return chat_pb2.ChatMessage(role=chat_pb2.ROLE_USER, content=[chat_pb2.ContentPart(text=text)])


def _messages(messages: Messages) -> List[chat_pb2.ChatMessage]:
    return [user_message(messages)] if isinstance(messages, str) else list(messages)


class ChatReply:
    """A chat completion, its first choice's text, and the route metadata of the call."""

    def __init__(self, completion: completion_pb2.ChatCompletion, route: RouteMetadata) -> None:
        self.completion = completion
        self.route = route

    @property
    def text(self) -> str:
        if not self.completion.choices:
            return ""
        parts = self.completion.choices[0].message.content
        return "".join(part.text for part in parts if part.WhichOneof("part") == "text")


class ChatStream:
    """A streamed chat completion: iterate it for chunks, or read ``text()`` for the whole answer.

    ``route`` waits for the response headers only, so it can be read before the first chunk.
    ``cancel()`` ends the call; the gateway then closes its upstream request.
    """

    def __init__(self, call) -> None:
        self._call = call

    def __iter__(self) -> Iterator[completion_pb2.ChatCompletionChunk]:
        return iter(self._call)

    def text_deltas(self) -> Iterator[str]:
        """The content of each chunk's first choice, as it arrives."""
        for chunk in self._call:
            for choice in chunk.choices:
                if choice.index == 0 and choice.content:
                    yield choice.content

    def text(self) -> str:
        """Reads the stream to its end and returns the first choice's text."""
        return "".join(self.text_deltas())

    @property
    def route(self) -> RouteMetadata:
        return RouteMetadata.from_metadata(self._call.initial_metadata())

    def cancel(self) -> None:
        self._call.cancel()


class SwitchyardClient:
    """A client for a Switchyard gateway's gRPC door.

    ``target`` is host:port (e.g. ``localhost:4000``). The key is ``api_key`` or, when that is
    None, the ``SWITCHYARD_API_KEY`` environment variable; without either, calls carry no key
    (fine for a gateway without a master key). ``timeout`` arguments are seconds: the call's
    deadline, which the gateway passes on to the upstream call.
    """

    def __init__(
        self,
        target: str = "localhost:4000",
        api_key: Optional[str] = None,
        *,
        credentials: Optional[grpc.ChannelCredentials] = None,
        options: Optional[Sequence[tuple]] = None,
    ) -> None:
        key = api_key if api_key is not None else api_key_from_environment()
        if credentials is None:
            self._raw_channel = grpc.insecure_channel(target, options=options)
        else:
            self._raw_channel = grpc.secure_channel(target, credentials, options=options)
        self.channel = (
            grpc.intercept_channel(self._raw_channel, ApiKeyInterceptor(key)) if key else self._raw_channel
        )
        #: The generated stubs, over the authenticated channel.
        self.completion = completion_pb2_grpc.CompletionServiceStub(self.channel)
        self.credentials = credential_pb2_grpc.CredentialServiceStub(self.channel)
        self.agents = agent_pb2_grpc.AgentServiceStub(self.channel)
        self.keys = key_pb2_grpc.KeyServiceStub(self.channel)
        self.prompts = prompt_pb2_grpc.PromptServiceStub(self.channel)
        self.models = model_pb2_grpc.ModelServiceStub(self.channel)

    def chat(self, model: str, messages: Messages, *, timeout: Optional[float] = None, **fields) -> ChatReply:
        """One chat completion. ``fields`` are further ChatCompletionRequest fields (temperature, …)."""
        request = completion_pb2.ChatCompletionRequest(model=model, messages=_messages(messages), **fields)
        completion, call = self.completion.CreateChatCompletion.with_call(request, timeout=timeout)
        return ChatReply(completion, RouteMetadata.from_metadata(call.initial_metadata()))

    def stream_chat(
        self, model: str, messages: Messages, *, timeout: Optional[float] = None, **fields
    ) -> ChatStream:
        """A streamed chat completion; the call starts at once, chunks arrive as you iterate."""
        request = completion_pb2.ChatCompletionRequest(model=model, messages=_messages(messages), **fields)
        return ChatStream(self.completion.StreamChatCompletion(request, timeout=timeout))

    def embed(
        self, model: str, texts: Sequence[str], *, timeout: Optional[float] = None, **fields
    ) -> List[List[float]]:
        """One vector per text, in order."""
        request = completion_pb2.CreateEmbeddingsRequest(
            model=model, inputs=[completion_pb2.EmbeddingInput(text=text) for text in texts], **fields
        )
        response = self.completion.CreateEmbeddings(request, timeout=timeout)
        ordered = sorted(response.embeddings, key=lambda embedding: embedding.index)
        return [list(embedding.values) for embedding in ordered]

    def close(self) -> None:
        self._raw_channel.close()

    def __enter__(self) -> "SwitchyardClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
