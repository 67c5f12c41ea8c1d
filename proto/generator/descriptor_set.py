"""Reads a FileDescriptorSet (`protoc --descriptor_set_out --include_source_info`).

Only the parts of descriptor.proto the VoiceShop generator needs are decoded, with a small
protobuf wire-format reader, so the generator runs on Debian's python3 alone (no pip).
"""

from __future__ import annotations

import dataclasses
import struct

# FieldDescriptorProto.Type
TYPE_DOUBLE = 1
TYPE_FLOAT = 2
TYPE_INT64 = 3
TYPE_UINT64 = 4
TYPE_INT32 = 5
TYPE_FIXED64 = 6
TYPE_FIXED32 = 7
TYPE_BOOL = 8
TYPE_STRING = 9
TYPE_GROUP = 10
TYPE_MESSAGE = 11
TYPE_BYTES = 12
TYPE_UINT32 = 13
TYPE_ENUM = 14
TYPE_SFIXED32 = 15
TYPE_SFIXED64 = 16
TYPE_SINT32 = 17
TYPE_SINT64 = 18

# FieldDescriptorProto.Label
LABEL_OPTIONAL = 1
LABEL_REQUIRED = 2
LABEL_REPEATED = 3

# MethodOptions.IdempotencyLevel
IDEMPOTENCY_UNKNOWN = 0
NO_SIDE_EFFECTS = 1
IDEMPOTENT = 2


class WireError(Exception):
    """The descriptor set is not valid protobuf."""


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise WireError("varint too long")


def parse_fields(data: bytes) -> dict[int, list]:
    """Splits one message into {field number: [values]}: ints for varint and fixed
    fields, bytes for length-delimited ones."""
    fields: dict[int, list] = {}
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _read_varint(data, pos)
        elif wire_type == 1:
            value = struct.unpack_from("<Q", data, pos)[0]
            pos += 8
        elif wire_type == 2:
            length, pos = _read_varint(data, pos)
            value = data[pos : pos + length]
            if len(value) != length:
                raise WireError("truncated length-delimited field")
            pos += length
        elif wire_type == 5:
            value = struct.unpack_from("<I", data, pos)[0]
            pos += 4
        else:
            raise WireError(f"unsupported wire type {wire_type}")
        fields.setdefault(number, []).append(value)
    return fields


def _str(fields: dict, number: int, default: str = "") -> str:
    values = fields.get(number)
    return values[-1].decode("utf-8") if values else default


def _int(fields: dict, number: int, default: int = 0) -> int:
    values = fields.get(number)
    return values[-1] if values else default


def _has(fields: dict, number: int) -> bool:
    return number in fields


def _packed_ints(fields: dict, number: int) -> list[int]:
    out: list[int] = []
    for value in fields.get(number, []):
        if isinstance(value, int):
            out.append(value)
        else:
            pos = 0
            while pos < len(value):
                item, pos = _read_varint(value, pos)
                out.append(item)
    return out


@dataclasses.dataclass
class Field:
    name: str
    number: int
    label: int
    type: int
    type_name: str  # fully qualified, without the leading dot
    oneof_index: int | None
    proto3_optional: bool
    path: tuple[int, ...]

    @property
    def repeated(self) -> bool:
        return self.label == LABEL_REPEATED


@dataclasses.dataclass
class EnumValue:
    name: str
    number: int
    path: tuple[int, ...]


@dataclasses.dataclass
class Enum:
    name: str
    full_name: str
    values: list[EnumValue]
    allow_alias: bool
    path: tuple[int, ...]


@dataclasses.dataclass
class Oneof:
    name: str
    path: tuple[int, ...]


@dataclasses.dataclass
class Message:
    name: str
    full_name: str
    fields: list[Field]
    oneofs: list[Oneof]
    messages: list["Message"]
    enums: list[Enum]
    is_map_entry: bool
    path: tuple[int, ...]


@dataclasses.dataclass
class Method:
    name: str
    input_type: str
    output_type: str
    client_streaming: bool
    server_streaming: bool
    idempotency_level: int
    path: tuple[int, ...]


@dataclasses.dataclass
class Service:
    name: str
    full_name: str
    methods: list[Method]
    path: tuple[int, ...]


@dataclasses.dataclass
class File:
    name: str
    package: str
    syntax: str
    dependencies: list[str]
    messages: list[Message]
    enums: list[Enum]
    services: list[Service]
    comments: dict[tuple[int, ...], str]
    has_extensions: bool

    def comment(self, path: tuple[int, ...]) -> str:
        """The leading comment of the element at `path` (trailing when there is none)."""
        return self.comments.get(path, "")


def _enum(data: bytes, scope: str, path: tuple[int, ...]) -> Enum:
    f = parse_fields(data)
    name = _str(f, 1)
    options = parse_fields(f[3][-1]) if _has(f, 3) else {}
    values = []
    for i, raw in enumerate(f.get(2, [])):
        vf = parse_fields(raw)
        number = _int(vf, 2)
        if number >= 1 << 31:
            number -= 1 << 64 if number >= 1 << 32 else 1 << 32
        values.append(EnumValue(_str(vf, 1), number, path + (2, i)))
    return Enum(name, f"{scope}.{name}", values, bool(_int(options, 2)), path)


def _message(data: bytes, scope: str, path: tuple[int, ...]) -> Message:
    f = parse_fields(data)
    name = _str(f, 1)
    full_name = f"{scope}.{name}"
    fields = []
    for i, raw in enumerate(f.get(2, [])):
        ff = parse_fields(raw)
        fields.append(
            Field(
                name=_str(ff, 1),
                number=_int(ff, 3),
                label=_int(ff, 4, LABEL_OPTIONAL),
                type=_int(ff, 5),
                type_name=_str(ff, 6).lstrip("."),
                oneof_index=_int(ff, 9) if _has(ff, 9) else None,
                proto3_optional=bool(_int(ff, 17)),
                path=path + (2, i),
            )
        )
    options = parse_fields(f[7][-1]) if _has(f, 7) else {}
    return Message(
        name=name,
        full_name=full_name,
        fields=fields,
        oneofs=[Oneof(_str(parse_fields(raw), 1), path + (8, i)) for i, raw in enumerate(f.get(8, []))],
        messages=[_message(raw, full_name, path + (3, i)) for i, raw in enumerate(f.get(3, []))],
        enums=[_enum(raw, full_name, path + (4, i)) for i, raw in enumerate(f.get(4, []))],
        is_map_entry=bool(_int(options, 7)),
        path=path,
    )


def _service(data: bytes, package: str, path: tuple[int, ...]) -> Service:
    f = parse_fields(data)
    name = _str(f, 1)
    methods = []
    for i, raw in enumerate(f.get(2, [])):
        mf = parse_fields(raw)
        options = parse_fields(mf[4][-1]) if _has(mf, 4) else {}
        methods.append(
            Method(
                name=_str(mf, 1),
                input_type=_str(mf, 2).lstrip("."),
                output_type=_str(mf, 3).lstrip("."),
                client_streaming=bool(_int(mf, 5)),
                server_streaming=bool(_int(mf, 6)),
                idempotency_level=_int(options, 34, IDEMPOTENCY_UNKNOWN),
                path=path + (2, i),
            )
        )
    return Service(name, f"{package}.{name}" if package else name, methods, path)


def _comments(data: bytes | None) -> dict[tuple[int, ...], str]:
    if data is None:
        return {}
    out: dict[tuple[int, ...], str] = {}
    for raw in parse_fields(data).get(1, []):
        lf = parse_fields(raw)
        text = _str(lf, 3) or _str(lf, 4)
        if text:
            out[tuple(_packed_ints(lf, 1))] = text
    return out


def read_descriptor_set(data: bytes) -> list[File]:
    """Decodes a FileDescriptorSet into files, in the order protoc wrote them."""
    files = []
    for raw in parse_fields(data).get(1, []):
        f = parse_fields(raw)
        package = _str(f, 2)
        files.append(
            File(
                name=_str(f, 1),
                package=package,
                syntax=_str(f, 12, "proto2"),
                dependencies=[d.decode("utf-8") for d in f.get(3, [])],
                messages=[_message(m, package, (4, i)) for i, m in enumerate(f.get(4, []))],
                enums=[_enum(e, package, (5, i)) for i, e in enumerate(f.get(5, []))],
                services=[_service(s, package, (6, i)) for i, s in enumerate(f.get(6, []))],
                comments=_comments(f[9][-1] if _has(f, 9) else None),
                has_extensions=_has(f, 7),
            )
        )
    return files
