from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

AGENT_SOURCE_CONFIG: AgentSource
AGENT_SOURCE_STORE: AgentSource
AGENT_SOURCE_UNSPECIFIED: AgentSource
DESCRIPTOR: _descriptor.FileDescriptor

class Agent(_message.Message):
    __slots__ = ["agent_card_params", "agent_name", "create_time", "litellm_params", "source", "update_time"]
    AGENT_CARD_PARAMS_FIELD_NUMBER: _ClassVar[int]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LITELLM_PARAMS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    agent_card_params: _struct_pb2.Struct
    agent_name: str
    create_time: _timestamp_pb2.Timestamp
    litellm_params: _struct_pb2.Struct
    source: AgentSource
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, agent_name: _Optional[str] = ..., agent_card_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., litellm_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., source: _Optional[_Union[AgentSource, str]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CancelAgentTaskRequest(_message.Message):
    __slots__ = ["agent_name", "task_id"]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    task_id: str
    def __init__(self, agent_name: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class CancelAgentTaskResponse(_message.Message):
    __slots__ = ["task"]
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _struct_pb2.Struct
    def __init__(self, task: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreateAgentRequest(_message.Message):
    __slots__ = ["agent"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class CreateAgentResponse(_message.Message):
    __slots__ = ["agent"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class DeleteAgentRequest(_message.Message):
    __slots__ = ["agent_name"]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    def __init__(self, agent_name: _Optional[str] = ...) -> None: ...

class DeleteAgentResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetAgentRequest(_message.Message):
    __slots__ = ["agent_name"]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    def __init__(self, agent_name: _Optional[str] = ...) -> None: ...

class GetAgentResponse(_message.Message):
    __slots__ = ["agent"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class GetAgentTaskRequest(_message.Message):
    __slots__ = ["agent_name", "history_length", "task_id"]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    HISTORY_LENGTH_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    history_length: int
    task_id: str
    def __init__(self, agent_name: _Optional[str] = ..., task_id: _Optional[str] = ..., history_length: _Optional[int] = ...) -> None: ...

class GetAgentTaskResponse(_message.Message):
    __slots__ = ["task"]
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _struct_pb2.Struct
    def __init__(self, task: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListAgentsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ["agents"]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[Agent]
    def __init__(self, agents: _Optional[_Iterable[_Union[Agent, _Mapping]]] = ...) -> None: ...

class SendAgentMessageRequest(_message.Message):
    __slots__ = ["agent_name", "configuration", "message"]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    configuration: _struct_pb2.Struct
    message: _struct_pb2.Struct
    def __init__(self, agent_name: _Optional[str] = ..., message: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., configuration: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class SendAgentMessageResponse(_message.Message):
    __slots__ = ["result"]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _struct_pb2.Struct
    def __init__(self, result: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class StreamAgentMessageRequest(_message.Message):
    __slots__ = ["agent_name", "configuration", "message"]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    agent_name: str
    configuration: _struct_pb2.Struct
    message: _struct_pb2.Struct
    def __init__(self, agent_name: _Optional[str] = ..., message: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., configuration: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class StreamAgentMessageResponse(_message.Message):
    __slots__ = ["event"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _struct_pb2.Struct
    def __init__(self, event: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateAgentRequest(_message.Message):
    __slots__ = ["agent_card_params", "agent_name", "litellm_params"]
    AGENT_CARD_PARAMS_FIELD_NUMBER: _ClassVar[int]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    LITELLM_PARAMS_FIELD_NUMBER: _ClassVar[int]
    agent_card_params: _struct_pb2.Struct
    agent_name: str
    litellm_params: _struct_pb2.Struct
    def __init__(self, agent_name: _Optional[str] = ..., agent_card_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., litellm_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class UpdateAgentResponse(_message.Message):
    __slots__ = ["agent"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: Agent
    def __init__(self, agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class AgentSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
