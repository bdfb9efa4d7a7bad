from google.protobuf import struct_pb2 as _struct_pb2
from switchyard.v1 import chat_pb2 as _chat_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListPromptsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListPromptsResponse(_message.Message):
    __slots__ = ["prompts"]
    PROMPTS_FIELD_NUMBER: _ClassVar[int]
    prompts: _containers.RepeatedCompositeFieldContainer[Prompt]
    def __init__(self, prompts: _Optional[_Iterable[_Union[Prompt, _Mapping]]] = ...) -> None: ...

class Prompt(_message.Message):
    __slots__ = ["config", "id", "input_defaults", "input_schema", "model", "source", "version"]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    config: _struct_pb2.Struct
    id: str
    input_defaults: _struct_pb2.Struct
    input_schema: _struct_pb2.Struct
    model: str
    source: str
    version: int
    def __init__(self, id: _Optional[str] = ..., version: _Optional[int] = ..., model: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., input_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., input_defaults: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class RenderPromptRequest(_message.Message):
    __slots__ = ["prompt_id", "prompt_version", "variables"]
    PROMPT_ID_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VERSION_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    prompt_id: str
    prompt_version: int
    variables: _struct_pb2.Struct
    def __init__(self, prompt_id: _Optional[str] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., prompt_version: _Optional[int] = ...) -> None: ...

class RenderPromptResponse(_message.Message):
    __slots__ = ["config", "messages", "model"]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    config: _struct_pb2.Struct
    messages: _containers.RepeatedCompositeFieldContainer[_chat_pb2.ChatMessage]
    model: str
    def __init__(self, messages: _Optional[_Iterable[_Union[_chat_pb2.ChatMessage, _Mapping]]] = ..., model: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
