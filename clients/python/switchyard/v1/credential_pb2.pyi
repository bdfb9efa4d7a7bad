from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CREDENTIAL_SOURCE_CONFIG: CredentialSource
CREDENTIAL_SOURCE_STORE: CredentialSource
CREDENTIAL_SOURCE_UNSPECIFIED: CredentialSource
DESCRIPTOR: _descriptor.FileDescriptor

class CreateCredentialRequest(_message.Message):
    __slots__ = ["credential", "model_id"]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    model_id: str
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ..., model_id: _Optional[str] = ...) -> None: ...

class CreateCredentialResponse(_message.Message):
    __slots__ = ["credential"]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class Credential(_message.Message):
    __slots__ = ["create_time", "credential_info", "credential_name", "credential_values", "source", "update_time"]
    class CredentialValuesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_INFO_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_VALUES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    credential_info: _struct_pb2.Struct
    credential_name: str
    credential_values: _containers.ScalarMap[str, str]
    source: CredentialSource
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, credential_name: _Optional[str] = ..., credential_values: _Optional[_Mapping[str, str]] = ..., credential_info: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[_Union[CredentialSource, str]] = ...) -> None: ...

class DeleteCredentialRequest(_message.Message):
    __slots__ = ["credential_name"]
    CREDENTIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    credential_name: str
    def __init__(self, credential_name: _Optional[str] = ...) -> None: ...

class DeleteCredentialResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class FinishSaltKeyRotationRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class FinishSaltKeyRotationResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetCredentialRequest(_message.Message):
    __slots__ = ["credential_name"]
    CREDENTIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    credential_name: str
    def __init__(self, credential_name: _Optional[str] = ...) -> None: ...

class GetCredentialResponse(_message.Message):
    __slots__ = ["credential"]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class GetModelCredentialRequest(_message.Message):
    __slots__ = ["model_id"]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    def __init__(self, model_id: _Optional[str] = ...) -> None: ...

class GetModelCredentialResponse(_message.Message):
    __slots__ = ["credential"]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class ListCredentialsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListCredentialsResponse(_message.Message):
    __slots__ = ["credentials"]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    credentials: _containers.RepeatedCompositeFieldContainer[Credential]
    def __init__(self, credentials: _Optional[_Iterable[_Union[Credential, _Mapping]]] = ...) -> None: ...

class RotateSaltKeyRequest(_message.Message):
    __slots__ = ["new_salt_key", "old_salt_key"]
    NEW_SALT_KEY_FIELD_NUMBER: _ClassVar[int]
    OLD_SALT_KEY_FIELD_NUMBER: _ClassVar[int]
    new_salt_key: str
    old_salt_key: str
    def __init__(self, old_salt_key: _Optional[str] = ..., new_salt_key: _Optional[str] = ...) -> None: ...

class RotateSaltKeyResponse(_message.Message):
    __slots__ = ["credentials_rewritten"]
    CREDENTIALS_REWRITTEN_FIELD_NUMBER: _ClassVar[int]
    credentials_rewritten: int
    def __init__(self, credentials_rewritten: _Optional[int] = ...) -> None: ...

class UpdateCredentialRequest(_message.Message):
    __slots__ = ["credential_info", "credential_name", "credential_values", "new_credential_name", "removed_value_keys"]
    class CredentialValuesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CREDENTIAL_INFO_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_VALUES_FIELD_NUMBER: _ClassVar[int]
    NEW_CREDENTIAL_NAME_FIELD_NUMBER: _ClassVar[int]
    REMOVED_VALUE_KEYS_FIELD_NUMBER: _ClassVar[int]
    credential_info: _struct_pb2.Struct
    credential_name: str
    credential_values: _containers.ScalarMap[str, str]
    new_credential_name: str
    removed_value_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, credential_name: _Optional[str] = ..., credential_values: _Optional[_Mapping[str, str]] = ..., credential_info: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., new_credential_name: _Optional[str] = ..., removed_value_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateCredentialResponse(_message.Message):
    __slots__ = ["credential"]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class CredentialSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
