from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BlockKeyRequest(_message.Message):
    __slots__ = ["key"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class BlockKeyResponse(_message.Message):
    __slots__ = ["info"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    info: VirtualKey
    def __init__(self, info: _Optional[_Union[VirtualKey, _Mapping]] = ...) -> None: ...

class DeleteKeyRequest(_message.Message):
    __slots__ = ["keys"]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keys: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteKeyResponse(_message.Message):
    __slots__ = ["deleted_token_ids"]
    DELETED_TOKEN_IDS_FIELD_NUMBER: _ClassVar[int]
    deleted_token_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, deleted_token_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GenerateKeyRequest(_message.Message):
    __slots__ = ["blocked", "budget_duration", "duration", "key", "key_alias", "max_budget", "max_parallel_requests", "metadata", "models", "rpm_limit", "tpm_limit"]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    BUDGET_DURATION_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    KEY_ALIAS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    MAX_BUDGET_FIELD_NUMBER: _ClassVar[int]
    MAX_PARALLEL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    RPM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TPM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    blocked: bool
    budget_duration: str
    duration: str
    key: str
    key_alias: str
    max_budget: float
    max_parallel_requests: int
    metadata: _struct_pb2.Struct
    models: _containers.RepeatedScalarFieldContainer[str]
    rpm_limit: int
    tpm_limit: int
    def __init__(self, key_alias: _Optional[str] = ..., models: _Optional[_Iterable[str]] = ..., max_budget: _Optional[float] = ..., budget_duration: _Optional[str] = ..., rpm_limit: _Optional[int] = ..., tpm_limit: _Optional[int] = ..., max_parallel_requests: _Optional[int] = ..., duration: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., blocked: bool = ..., key: _Optional[str] = ...) -> None: ...

class GenerateKeyResponse(_message.Message):
    __slots__ = ["info", "key"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    info: VirtualKey
    key: str
    def __init__(self, key: _Optional[str] = ..., info: _Optional[_Union[VirtualKey, _Mapping]] = ...) -> None: ...

class GetKeyRequest(_message.Message):
    __slots__ = ["key"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class GetKeyResponse(_message.Message):
    __slots__ = ["info"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    info: VirtualKey
    def __init__(self, info: _Optional[_Union[VirtualKey, _Mapping]] = ...) -> None: ...

class ListKeysRequest(_message.Message):
    __slots__ = ["key_alias"]
    KEY_ALIAS_FIELD_NUMBER: _ClassVar[int]
    key_alias: str
    def __init__(self, key_alias: _Optional[str] = ...) -> None: ...

class ListKeysResponse(_message.Message):
    __slots__ = ["keys"]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[VirtualKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[VirtualKey, _Mapping]]] = ...) -> None: ...

class ModelList(_message.Message):
    __slots__ = ["models"]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, models: _Optional[_Iterable[str]] = ...) -> None: ...

class RegenerateKeyRequest(_message.Message):
    __slots__ = ["key"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class RegenerateKeyResponse(_message.Message):
    __slots__ = ["info", "key"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    info: VirtualKey
    key: str
    def __init__(self, key: _Optional[str] = ..., info: _Optional[_Union[VirtualKey, _Mapping]] = ...) -> None: ...

class UnblockKeyRequest(_message.Message):
    __slots__ = ["key"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class UnblockKeyResponse(_message.Message):
    __slots__ = ["info"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    info: VirtualKey
    def __init__(self, info: _Optional[_Union[VirtualKey, _Mapping]] = ...) -> None: ...

class UpdateKeyRequest(_message.Message):
    __slots__ = ["blocked", "budget_duration", "clear_fields", "duration", "key", "key_alias", "max_budget", "max_parallel_requests", "metadata", "models", "rpm_limit", "tpm_limit"]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    BUDGET_DURATION_FIELD_NUMBER: _ClassVar[int]
    CLEAR_FIELDS_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    KEY_ALIAS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    MAX_BUDGET_FIELD_NUMBER: _ClassVar[int]
    MAX_PARALLEL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    RPM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TPM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    blocked: bool
    budget_duration: str
    clear_fields: _containers.RepeatedScalarFieldContainer[str]
    duration: str
    key: str
    key_alias: str
    max_budget: float
    max_parallel_requests: int
    metadata: _struct_pb2.Struct
    models: ModelList
    rpm_limit: int
    tpm_limit: int
    def __init__(self, key: _Optional[str] = ..., key_alias: _Optional[str] = ..., models: _Optional[_Union[ModelList, _Mapping]] = ..., max_budget: _Optional[float] = ..., budget_duration: _Optional[str] = ..., rpm_limit: _Optional[int] = ..., tpm_limit: _Optional[int] = ..., max_parallel_requests: _Optional[int] = ..., duration: _Optional[str] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., blocked: bool = ..., clear_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateKeyResponse(_message.Message):
    __slots__ = ["info"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    info: VirtualKey
    def __init__(self, info: _Optional[_Union[VirtualKey, _Mapping]] = ...) -> None: ...

class VirtualKey(_message.Message):
    __slots__ = ["blocked", "budget_duration", "budget_reset_time", "create_time", "expire_time", "key_alias", "key_name", "max_budget", "max_parallel_requests", "metadata", "models", "rpm_limit", "spend", "token_id", "tpm_limit", "update_time"]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    BUDGET_DURATION_FIELD_NUMBER: _ClassVar[int]
    BUDGET_RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ALIAS_FIELD_NUMBER: _ClassVar[int]
    KEY_NAME_FIELD_NUMBER: _ClassVar[int]
    MAX_BUDGET_FIELD_NUMBER: _ClassVar[int]
    MAX_PARALLEL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    RPM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SPEND_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    TPM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    blocked: bool
    budget_duration: str
    budget_reset_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    key_alias: str
    key_name: str
    max_budget: float
    max_parallel_requests: int
    metadata: _struct_pb2.Struct
    models: _containers.RepeatedScalarFieldContainer[str]
    rpm_limit: int
    spend: float
    token_id: str
    tpm_limit: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, token_id: _Optional[str] = ..., key_name: _Optional[str] = ..., key_alias: _Optional[str] = ..., models: _Optional[_Iterable[str]] = ..., max_budget: _Optional[float] = ..., budget_duration: _Optional[str] = ..., budget_reset_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., spend: _Optional[float] = ..., rpm_limit: _Optional[int] = ..., tpm_limit: _Optional[int] = ..., max_parallel_requests: _Optional[int] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., blocked: bool = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
