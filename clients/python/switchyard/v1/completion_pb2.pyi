from google.protobuf import struct_pb2 as _struct_pb2
from switchyard.v1 import chat_pb2 as _chat_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChatCompletion(_message.Message):
    __slots__ = ["choices", "created", "id", "model", "route", "system_fingerprint", "usage"]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    choices: _containers.RepeatedCompositeFieldContainer[Choice]
    created: int
    id: str
    model: str
    route: RouteInfo
    system_fingerprint: str
    usage: _chat_pb2.Usage
    def __init__(self, id: _Optional[str] = ..., created: _Optional[int] = ..., model: _Optional[str] = ..., choices: _Optional[_Iterable[_Union[Choice, _Mapping]]] = ..., usage: _Optional[_Union[_chat_pb2.Usage, _Mapping]] = ..., system_fingerprint: _Optional[str] = ..., route: _Optional[_Union[RouteInfo, _Mapping]] = ...) -> None: ...

class ChatCompletionChunk(_message.Message):
    __slots__ = ["choices", "created", "id", "model", "route", "system_fingerprint", "usage"]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    choices: _containers.RepeatedCompositeFieldContainer[ChoiceDelta]
    created: int
    id: str
    model: str
    route: RouteInfo
    system_fingerprint: str
    usage: _chat_pb2.Usage
    def __init__(self, id: _Optional[str] = ..., created: _Optional[int] = ..., model: _Optional[str] = ..., choices: _Optional[_Iterable[_Union[ChoiceDelta, _Mapping]]] = ..., usage: _Optional[_Union[_chat_pb2.Usage, _Mapping]] = ..., system_fingerprint: _Optional[str] = ..., route: _Optional[_Union[RouteInfo, _Mapping]] = ...) -> None: ...

class ChatCompletionRequest(_message.Message):
    __slots__ = ["extra_body", "frequency_penalty", "logprobs", "max_tokens", "messages", "metadata", "model", "n", "parallel_tool_calls", "presence_penalty", "prompt_id", "prompt_variables", "prompt_version", "reasoning_effort", "response_format", "seed", "stop", "stream_options", "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    EXTRA_BODY_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_PENALTY_FIELD_NUMBER: _ClassVar[int]
    LOGPROBS_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_PENALTY_FIELD_NUMBER: _ClassVar[int]
    PROMPT_ID_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VARIABLES_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VERSION_FIELD_NUMBER: _ClassVar[int]
    REASONING_EFFORT_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    STREAM_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    TOOL_CHOICE_FIELD_NUMBER: _ClassVar[int]
    TOP_LOGPROBS_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    extra_body: _struct_pb2.Struct
    frequency_penalty: float
    logprobs: bool
    max_tokens: int
    messages: _containers.RepeatedCompositeFieldContainer[_chat_pb2.ChatMessage]
    metadata: _containers.ScalarMap[str, str]
    model: str
    n: int
    parallel_tool_calls: bool
    presence_penalty: float
    prompt_id: str
    prompt_variables: _struct_pb2.Struct
    prompt_version: int
    reasoning_effort: str
    response_format: _chat_pb2.ResponseFormat
    seed: int
    stop: _containers.RepeatedScalarFieldContainer[str]
    stream_options: StreamOptions
    temperature: float
    tool_choice: _chat_pb2.ToolChoice
    tools: _containers.RepeatedCompositeFieldContainer[_chat_pb2.Tool]
    top_logprobs: int
    top_p: float
    user: str
    def __init__(self, model: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[_chat_pb2.ChatMessage, _Mapping]]] = ..., tools: _Optional[_Iterable[_Union[_chat_pb2.Tool, _Mapping]]] = ..., tool_choice: _Optional[_Union[_chat_pb2.ToolChoice, _Mapping]] = ..., parallel_tool_calls: bool = ..., response_format: _Optional[_Union[_chat_pb2.ResponseFormat, _Mapping]] = ..., temperature: _Optional[float] = ..., top_p: _Optional[float] = ..., max_tokens: _Optional[int] = ..., stop: _Optional[_Iterable[str]] = ..., seed: _Optional[int] = ..., n: _Optional[int] = ..., presence_penalty: _Optional[float] = ..., frequency_penalty: _Optional[float] = ..., logprobs: bool = ..., top_logprobs: _Optional[int] = ..., user: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., stream_options: _Optional[_Union[StreamOptions, _Mapping]] = ..., reasoning_effort: _Optional[str] = ..., extra_body: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., prompt_id: _Optional[str] = ..., prompt_variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., prompt_version: _Optional[int] = ...) -> None: ...

class Choice(_message.Message):
    __slots__ = ["finish_reason", "index", "logprobs", "message"]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    LOGPROBS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    finish_reason: _chat_pb2.FinishReason
    index: int
    logprobs: _struct_pb2.Struct
    message: _chat_pb2.ChatMessage
    def __init__(self, index: _Optional[int] = ..., message: _Optional[_Union[_chat_pb2.ChatMessage, _Mapping]] = ..., finish_reason: _Optional[_Union[_chat_pb2.FinishReason, str]] = ..., logprobs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ChoiceDelta(_message.Message):
    __slots__ = ["content", "finish_reason", "index", "logprobs", "reasoning_content", "refusal", "role", "tool_calls"]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    LOGPROBS_FIELD_NUMBER: _ClassVar[int]
    REASONING_CONTENT_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    content: str
    finish_reason: _chat_pb2.FinishReason
    index: int
    logprobs: _struct_pb2.Struct
    reasoning_content: str
    refusal: str
    role: _chat_pb2.Role
    tool_calls: _containers.RepeatedCompositeFieldContainer[ToolCallDelta]
    def __init__(self, index: _Optional[int] = ..., role: _Optional[_Union[_chat_pb2.Role, str]] = ..., content: _Optional[str] = ..., tool_calls: _Optional[_Iterable[_Union[ToolCallDelta, _Mapping]]] = ..., finish_reason: _Optional[_Union[_chat_pb2.FinishReason, str]] = ..., refusal: _Optional[str] = ..., reasoning_content: _Optional[str] = ..., logprobs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreateEmbeddingsRequest(_message.Message):
    __slots__ = ["dimensions", "extra_body", "inputs", "model", "user"]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_BODY_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    dimensions: int
    extra_body: _struct_pb2.Struct
    inputs: _containers.RepeatedCompositeFieldContainer[EmbeddingInput]
    model: str
    user: str
    def __init__(self, model: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[EmbeddingInput, _Mapping]]] = ..., dimensions: _Optional[int] = ..., user: _Optional[str] = ..., extra_body: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreateEmbeddingsResponse(_message.Message):
    __slots__ = ["embeddings", "model", "route", "usage"]
    EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    embeddings: _containers.RepeatedCompositeFieldContainer[Embedding]
    model: str
    route: RouteInfo
    usage: _chat_pb2.Usage
    def __init__(self, model: _Optional[str] = ..., embeddings: _Optional[_Iterable[_Union[Embedding, _Mapping]]] = ..., usage: _Optional[_Union[_chat_pb2.Usage, _Mapping]] = ..., route: _Optional[_Union[RouteInfo, _Mapping]] = ...) -> None: ...

class Embedding(_message.Message):
    __slots__ = ["index", "values"]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    index: int
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, index: _Optional[int] = ..., values: _Optional[_Iterable[float]] = ...) -> None: ...

class EmbeddingInput(_message.Message):
    __slots__ = ["text", "tokens"]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    text: str
    tokens: TokenIds
    def __init__(self, text: _Optional[str] = ..., tokens: _Optional[_Union[TokenIds, _Mapping]] = ...) -> None: ...

class GetModelRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetModelResponse(_message.Message):
    __slots__ = ["model"]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: Model
    def __init__(self, model: _Optional[_Union[Model, _Mapping]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ["models"]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[Model]
    def __init__(self, models: _Optional[_Iterable[_Union[Model, _Mapping]]] = ...) -> None: ...

class Model(_message.Message):
    __slots__ = ["created", "deployment_count", "id", "owned_by"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    OWNED_BY_FIELD_NUMBER: _ClassVar[int]
    created: int
    deployment_count: int
    id: str
    owned_by: str
    def __init__(self, id: _Optional[str] = ..., created: _Optional[int] = ..., owned_by: _Optional[str] = ..., deployment_count: _Optional[int] = ...) -> None: ...

class RerankRequest(_message.Message):
    __slots__ = ["documents", "extra_body", "max_tokens_per_doc", "model", "query", "return_documents", "top_n"]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_BODY_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_PER_DOC_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    RETURN_DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    TOP_N_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedScalarFieldContainer[str]
    extra_body: _struct_pb2.Struct
    max_tokens_per_doc: int
    model: str
    query: str
    return_documents: bool
    top_n: int
    def __init__(self, model: _Optional[str] = ..., query: _Optional[str] = ..., documents: _Optional[_Iterable[str]] = ..., top_n: _Optional[int] = ..., return_documents: bool = ..., max_tokens_per_doc: _Optional[int] = ..., extra_body: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class RerankResponse(_message.Message):
    __slots__ = ["id", "model", "results", "route", "search_units", "usage"]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    SEARCH_UNITS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    model: str
    results: _containers.RepeatedCompositeFieldContainer[RerankResult]
    route: RouteInfo
    search_units: int
    usage: _chat_pb2.Usage
    def __init__(self, id: _Optional[str] = ..., model: _Optional[str] = ..., results: _Optional[_Iterable[_Union[RerankResult, _Mapping]]] = ..., search_units: _Optional[int] = ..., usage: _Optional[_Union[_chat_pb2.Usage, _Mapping]] = ..., route: _Optional[_Union[RouteInfo, _Mapping]] = ...) -> None: ...

class RerankResult(_message.Message):
    __slots__ = ["document", "index", "relevance_score"]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    RELEVANCE_SCORE_FIELD_NUMBER: _ClassVar[int]
    document: str
    index: int
    relevance_score: float
    def __init__(self, index: _Optional[int] = ..., relevance_score: _Optional[float] = ..., document: _Optional[str] = ...) -> None: ...

class RouteInfo(_message.Message):
    __slots__ = ["call_id", "deployment_id", "model_group", "provider"]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_GROUP_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    deployment_id: str
    model_group: str
    provider: str
    def __init__(self, call_id: _Optional[str] = ..., model_group: _Optional[str] = ..., deployment_id: _Optional[str] = ..., provider: _Optional[str] = ...) -> None: ...

class StreamOptions(_message.Message):
    __slots__ = ["include_usage"]
    INCLUDE_USAGE_FIELD_NUMBER: _ClassVar[int]
    include_usage: bool
    def __init__(self, include_usage: bool = ...) -> None: ...

class TextChoice(_message.Message):
    __slots__ = ["finish_reason", "index", "logprobs", "text"]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    LOGPROBS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    finish_reason: _chat_pb2.FinishReason
    index: int
    logprobs: _struct_pb2.Struct
    text: str
    def __init__(self, index: _Optional[int] = ..., text: _Optional[str] = ..., finish_reason: _Optional[_Union[_chat_pb2.FinishReason, str]] = ..., logprobs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class TextCompletion(_message.Message):
    __slots__ = ["choices", "created", "id", "model", "route", "system_fingerprint", "usage"]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    choices: _containers.RepeatedCompositeFieldContainer[TextChoice]
    created: int
    id: str
    model: str
    route: RouteInfo
    system_fingerprint: str
    usage: _chat_pb2.Usage
    def __init__(self, id: _Optional[str] = ..., created: _Optional[int] = ..., model: _Optional[str] = ..., choices: _Optional[_Iterable[_Union[TextChoice, _Mapping]]] = ..., usage: _Optional[_Union[_chat_pb2.Usage, _Mapping]] = ..., system_fingerprint: _Optional[str] = ..., route: _Optional[_Union[RouteInfo, _Mapping]] = ...) -> None: ...

class TextCompletionRequest(_message.Message):
    __slots__ = ["echo", "extra_body", "frequency_penalty", "logprobs", "max_tokens", "model", "n", "presence_penalty", "prompt", "seed", "stop", "stream_options", "suffix", "temperature", "top_p", "user"]
    ECHO_FIELD_NUMBER: _ClassVar[int]
    EXTRA_BODY_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_PENALTY_FIELD_NUMBER: _ClassVar[int]
    LOGPROBS_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_PENALTY_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    STREAM_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SUFFIX_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    echo: bool
    extra_body: _struct_pb2.Struct
    frequency_penalty: float
    logprobs: int
    max_tokens: int
    model: str
    n: int
    presence_penalty: float
    prompt: _containers.RepeatedScalarFieldContainer[str]
    seed: int
    stop: _containers.RepeatedScalarFieldContainer[str]
    stream_options: StreamOptions
    suffix: str
    temperature: float
    top_p: float
    user: str
    def __init__(self, model: _Optional[str] = ..., prompt: _Optional[_Iterable[str]] = ..., suffix: _Optional[str] = ..., max_tokens: _Optional[int] = ..., temperature: _Optional[float] = ..., top_p: _Optional[float] = ..., stop: _Optional[_Iterable[str]] = ..., seed: _Optional[int] = ..., n: _Optional[int] = ..., echo: bool = ..., logprobs: _Optional[int] = ..., presence_penalty: _Optional[float] = ..., frequency_penalty: _Optional[float] = ..., user: _Optional[str] = ..., stream_options: _Optional[_Union[StreamOptions, _Mapping]] = ..., extra_body: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class TokenIds(_message.Message):
    __slots__ = ["ids"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ToolCallDelta(_message.Message):
    __slots__ = ["arguments", "id", "index", "name"]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    arguments: str
    id: str
    index: int
    name: str
    def __init__(self, index: _Optional[int] = ..., id: _Optional[str] = ..., name: _Optional[str] = ..., arguments: _Optional[str] = ...) -> None: ...
