#!/usr/bin/env python3
"""Check Kvitt's message contract (asyncapi.yaml) and, optionally, the Swift encodings of its examples.

Usage:
    check-contract.py asyncapi.yaml                  check the document and every example
    check-contract.py asyncapi.yaml --examples       ... then print {wireName: firstExamplePayload} as JSON
    check-contract.py asyncapi.yaml encodings.json   ... and check {wireName: payload} encodings against it
    check-contract.py asyncapi.yaml --topology catalogue.json
                                                     ... and check queues and consumers against the catalogue

What is checked:
  (a) The document parses as YAML and validates as AsyncAPI 3.0 (the `asyncapi3` object model). When it does not,
      nothing else is checked.
  (b) Every message in components.messages has a `name` that is a wire name (`<owner>.<kebab-name>.v<N>`, unique),
      a `payload` schema and at least one example; every example's payload validates against the payload schema,
      and its headers (when given) against the headers schema, with `type` equal to the wire name.
  (c) Every schema (components.schemas, message payloads and headers) is a draft-07 schema; every local `$ref`
      resolves; every operation's messages are messages of the operation's channel (an AsyncAPI 3 rule the object
      model does not check); every component message is carried by some channel.
  (d) With encodings.json ({wireName: payloadObject}, e.g. what the Swift types encode their examples to): each
      payload validates against the schema of its wire name; wire names that are not documented, and documented
      ones missing from the file, are problems.
  (e) With --topology catalogue.json ({service: [wireNames]}, the code's message catalogue, as `kvitt topology show
      --json` prints it): every message's `x-kvitt-consumed-by` lists exactly the services the catalogue lists for it;
      each service has a `queue-<service>` channel whose messages, `x-kvitt-bindings` on `kvitt` and dead-letter
      routing key are its catalogue entry, as are its `<service>-consume` operation and its wait and dead-letter
      queue channels; no other service has a queue; the dead-letter exchange's `serviceName` lists the services; and
      the alternate exchange `kvitt.unrouted` and its queue are documented.

Schemas are JSON Schema draft-07 (AsyncAPI's default schema format); `$ref`s such as `#/components/schemas/Money`
resolve against the whole document, and formats (date, uuid, ...) are checked. YAML dates stay strings, as in JSON.

With --examples the JSON goes to stdout and everything else to stderr. Exit status: 0 when everything holds; 1 with
one line per problem otherwise; 2 for a usage error.
"""

import argparse
import json
import re
import sys
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import jsonschema
import referencing.exceptions
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT7

with warnings.catch_warnings():
    # asyncapi3's pydantic models warn about a field named `schema` at import time.
    warnings.simplefilter("ignore")
    import pydantic
    from asyncapi3 import AsyncAPI3

WIRE_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?\.[a-z0-9]([a-z0-9-]*[a-z0-9])?\.v[1-9][0-9]*$")
# The URI the document is registered under, so that "#/components/..." references resolve against it.
ROOT = "urn:kvitt:asyncapi"
MAX_LINE = 300


class Problems(list):
    """Problems found so far, one line each."""

    def add(self, where: str, what: str) -> None:
        what = " ".join(str(what).split())
        if len(what) > MAX_LINE:
            what = what[: MAX_LINE - 3] + "..."
        self.append(f"{where}: {what}")


class JSONLikeLoader(yaml.SafeLoader):
    """A YAML loader that keeps dates and times as strings, as they are in the JSON the schemas describe."""


JSONLikeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def dotted(parts: Iterable[Any]) -> str:
    """A path for people: `components.messages.X.examples[0].payload`."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts).lstrip(".")


def pointer(*tokens: str) -> str:
    """A local JSON Pointer reference (`#/a/b`), escaping `~` and `/`."""
    return "#/" + "/".join(token.replace("~", "~0").replace("/", "~1") for token in tokens)


def resolve(document: Any, ref: str) -> Any:
    """The value a local reference (`#/a/b`) points at; KeyError when there is none."""
    if not ref.startswith("#"):
        raise KeyError(f"not a local reference: {ref}")
    node = document
    for raw in ref[2:].split("/") if len(ref) > 2 else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise KeyError(ref)
    return node


def dereference(document: Any, node: Any) -> Any:
    """Follows `$ref`s until an object that is not a reference."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise KeyError(f"reference cycle at {ref}")
        seen.add(ref)
        node = resolve(document, ref)
    return node


def walk_refs(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every `$ref` in the document with where it is; example values are data, not schema, and are skipped."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            elif key != "examples":
                yield from walk_refs(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_refs(value, (*path, index))


class Contract:
    """The loaded document, its messages, and validators for the schemas in it."""

    def __init__(self, document: dict):
        self.document = document
        self.registry = Registry().with_resource(ROOT, DRAFT7.create_resource(document))
        self.messages: dict[str, dict] = {}  # component key -> message object
        self.by_wire_name: dict[str, str] = {}  # wire name -> component key

    def validate(self, schema_pointer: str, instance: Any, where: str, problems: Problems) -> None:
        """Validates an instance against the schema at a pointer into the document, one problem per error."""
        validator = jsonschema.Draft7Validator(
            {"$ref": ROOT + schema_pointer},
            registry=self.registry,
            format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER,
        )
        try:
            errors = sorted(validator.iter_errors(instance), key=lambda error: [str(p) for p in error.absolute_path])
        except referencing.exceptions.Unresolvable as error:
            problems.add(where, f"cannot validate: unresolvable reference {getattr(error, 'ref', error)}")
            return
        except jsonschema.exceptions.SchemaError as error:
            problems.add(where, f"cannot validate: bad schema: {error.message}")
            return
        for error in errors:
            problems.add(dotted([where, *error.absolute_path]), error.message)

    def schema_pointer(self, key: str, part: str) -> str | None:
        """The pointer of a message's payload or headers schema (inside a Multi Format Schema Object if one)."""
        schema = self.messages[key].get(part)
        if schema is None:
            return None
        if isinstance(schema, dict) and "schemaFormat" in schema:
            return pointer("components", "messages", key, part, "schema")
        return pointer("components", "messages", key, part)


# ---------------------------------------------------------------------------------------------------------- checks


def document_location(document: Any, loc: tuple) -> tuple[str, bool]:
    """A pydantic error location as a path in the document, without the union branches pydantic puts in it
    (`function-after[...]`, `Reference`, ...), and whether it went through the `Reference` branch of a union."""
    node, parts, via_reference = document, [], False
    for index, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif index < len(loc) - 1:
            via_reference = via_reference or part == "Reference"
            continue  # a union branch, not a place in the document
        parts.append(part)
    return dotted(parts) or "(root)", via_reference


def check_asyncapi(document: Any, problems: Problems) -> None:
    """(a) The document as an AsyncAPI 3.0 object."""
    try:
        AsyncAPI3.model_validate(document)
    except pydantic.ValidationError as error:
        found = [(*document_location(document, detail["loc"]), detail["msg"]) for detail in error.errors()]
        # Where an object is neither valid nor a Reference Object, the Reference branch's complaints are noise.
        relevant = [item for item in found if not item[1]] or found
        for location, _, message in dict.fromkeys(relevant):
            problems.add(f"asyncapi {location}", message)


def load_messages(contract: Contract, problems: Problems) -> None:
    """(b) Every message's name, payload schema and examples are there."""
    components = contract.document.get("components") or {}
    for key, entry in (components.get("messages") or {}).items():
        where = f"components.messages.{key}"
        try:
            message = dereference(contract.document, entry)
        except KeyError as error:
            problems.add(where, f"unresolvable reference {error}")
            continue
        contract.messages[key] = message
        name = message.get("name")
        if not isinstance(name, str) or not WIRE_NAME.match(name):
            problems.add(where, f"`name` must be a wire name <owner>.<kebab-name>.v<N>, got {name!r}")
        elif name in contract.by_wire_name:
            problems.add(where, f"wire name {name} is also the name of {contract.by_wire_name[name]}")
        else:
            contract.by_wire_name[name] = key
        if contract.schema_pointer(key, "payload") is None:
            problems.add(where, "no payload schema")
        if not message.get("examples"):
            problems.add(where, "no example")
        for index, example in enumerate(message.get("examples") or []):
            if not isinstance(example, dict) or "payload" not in example:
                problems.add(f"{where}.examples[{index}]", "no payload")


def check_schemas(contract: Contract, problems: Problems) -> None:
    """(c) Every schema in components.schemas, and every message's payload and headers, is a draft-07 schema."""
    meta = jsonschema.Draft7Validator(jsonschema.Draft7Validator.META_SCHEMA)
    components = contract.document.get("components") or {}
    places = [(f"components.schemas.{key}", schema) for key, schema in (components.get("schemas") or {}).items()]
    for key in contract.messages:
        for part in ("payload", "headers"):
            schema_pointer = contract.schema_pointer(key, part)
            if schema_pointer is not None:
                try:
                    places.append((f"components.messages.{key}.{part}", resolve(contract.document, schema_pointer)))
                except KeyError:
                    pass  # reported by check_structure
    for where, schema in places:
        for error in meta.iter_errors(schema):
            problems.add(dotted([where, *error.absolute_path]), f"not a draft-07 schema: {error.message}")


def check_structure(contract: Contract, problems: Problems) -> None:
    """(c) References, operation messages, and messages that no channel carries."""
    document = contract.document
    for path, ref in walk_refs(document):
        try:
            resolve(document, ref)
        except KeyError:
            problems.add(dotted(path) or "(root)", f"unresolvable $ref {ref}")
    carried: set[str] = set()
    prefix = "#/components/messages/"
    for channel in (document.get("channels") or {}).values():
        for ref in ((channel or {}).get("messages") or {}).values():
            target = ref.get("$ref", "") if isinstance(ref, dict) else ""
            if target.startswith(prefix):
                carried.add(target[len(prefix):])
    for key in contract.messages:
        if key not in carried:
            problems.add(f"components.messages.{key}", "no channel carries this message")
    for op_key, operation in (document.get("operations") or {}).items():
        where = f"operations.{op_key}"
        channel_ref = ((operation or {}).get("channel") or {}).get("$ref", "")
        if not channel_ref.startswith("#/channels/"):
            problems.add(where, f"channel must reference #/channels/..., got {channel_ref!r}")
            continue
        for index, ref in enumerate(operation.get("messages") or []):
            target = (ref or {}).get("$ref", "")
            if not target.startswith(channel_ref + "/messages/"):
                problems.add(f"{where}.messages[{index}]", f"{target!r} is not a message of {channel_ref}")


def check_examples(contract: Contract, problems: Problems) -> None:
    """(b) Every example against its message's payload and headers schemas."""
    for key, message in contract.messages.items():
        payload_pointer = contract.schema_pointer(key, "payload")
        headers_pointer = contract.schema_pointer(key, "headers")
        for index, example in enumerate(message.get("examples") or []):
            if not isinstance(example, dict):
                continue
            where = f"components.messages.{key}.examples[{index}]"
            if "payload" in example and payload_pointer is not None:
                contract.validate(payload_pointer, example["payload"], f"{where}.payload", problems)
            headers = example.get("headers")
            if headers is not None and headers_pointer is not None:
                contract.validate(headers_pointer, headers, f"{where}.headers", problems)
                name = message.get("name")
                if isinstance(headers, dict) and "type" in headers and headers["type"] != name:
                    problems.add(f"{where}.headers.type", f"{headers['type']!r} is not the wire name {name!r}")


def check_encodings(contract: Contract, path: str, problems: Problems) -> None:
    """(d) Payloads by wire name, e.g. the Swift types' encodings of the examples."""
    try:
        with open(path, encoding="utf-8") as file:
            encodings = json.load(file)
    except (OSError, ValueError) as error:
        problems.add(path, f"cannot read: {error}")
        return
    if not isinstance(encodings, dict):
        problems.add(path, "expected a JSON object {wireName: payload}")
        return
    for wire_name, payload in encodings.items():
        key = contract.by_wire_name.get(wire_name)
        if key is None:
            problems.add(f"{path} {wire_name}", "not documented in the contract")
            continue
        payload_pointer = contract.schema_pointer(key, "payload")
        if payload_pointer is not None:
            contract.validate(payload_pointer, payload, f"{path} {wire_name}", problems)
    for wire_name in sorted(set(contract.by_wire_name) - set(encodings)):
        problems.add(f"{path} {wire_name}", "documented but missing from the encodings")


def first_examples(contract: Contract) -> dict[str, Any]:
    """{wireName: the payload of the message's first example}."""
    return {
        name: contract.messages[key]["examples"][0]["payload"]
        for name, key in sorted(contract.by_wire_name.items())
        if contract.messages[key].get("examples") and "payload" in contract.messages[key]["examples"][0]
    }


def check_topology(contract: Contract, path: str, problems: Problems) -> None:
    """(e) Queues, bindings and consumer lists against the code's catalogue {service: [wireNames]}."""
    try:
        with open(path, encoding="utf-8") as file:
            catalogue = json.load(file)
    except (OSError, ValueError) as error:
        problems.add(path, f"cannot read: {error}")
        return
    if not isinstance(catalogue, dict) or not all(isinstance(types, list) for types in catalogue.values()):
        problems.add(path, "expected a JSON object {service: [wireName, ...]}")
        return
    document = contract.document
    channels = document.get("channels") or {}
    operations = document.get("operations") or {}
    services = sorted(catalogue)
    consumers: dict[str, list[str]] = {}
    for service, types in catalogue.items():
        for wire_name in types:
            consumers.setdefault(wire_name, []).append(service)

    for key, message in contract.messages.items():
        name = message.get("name")
        documented = sorted(message.get("x-kvitt-consumed-by") or [])
        expected = sorted(consumers.get(name, []))
        if documented != expected:
            problems.add(
                f"components.messages.{key}.x-kvitt-consumed-by", f"{documented} but the catalogue says {expected}"
            )
    for wire_name in sorted(set(consumers) - set(contract.by_wire_name)):
        problems.add(f"{path} {wire_name}", "consumed in the catalogue but not documented")

    def message_names(refs: Iterable[Any]) -> list[str]:
        names = []
        for ref in refs:
            try:
                names.append(dereference(document, ref).get("name"))
            except (KeyError, AttributeError):
                names.append(None)
        return sorted(str(name) for name in names)

    for service in services:
        expected = sorted(catalogue[service])
        channel_key = f"queue-{service}"
        channel = channels.get(channel_key)
        if not isinstance(channel, dict):
            problems.add(f"channels.{channel_key}", f"missing: the catalogue's {service} has a queue")
            continue
        carried = message_names((channel.get("messages") or {}).values())
        if carried != expected:
            problems.add(f"channels.{channel_key}.messages", f"{carried} but the catalogue says {expected}")
        bound = sorted(
            binding.get("routingKey")
            for binding in channel.get("x-kvitt-bindings") or []
            if isinstance(binding, dict) and binding.get("exchange") == "kvitt"
        )
        if bound != expected:
            problems.add(f"channels.{channel_key}.x-kvitt-bindings", f"{bound} but the catalogue says {expected}")
        routing_key = (channel.get("x-kvitt-queue-arguments") or {}).get("x-dead-letter-routing-key")
        if routing_key != service:
            problems.add(f"channels.{channel_key}.x-kvitt-queue-arguments", f"dead-letter routing key {routing_key!r}")
        for wait_key in [key for key in channels if key.startswith(f"{channel_key}-")]:
            waiting = message_names((channels[wait_key].get("messages") or {}).values())
            if waiting != expected:
                problems.add(f"channels.{wait_key}.messages", f"{waiting} but the catalogue says {expected}")
        operation = operations.get(f"{service}-consume")
        if not isinstance(operation, dict):
            problems.add(f"operations.{service}-consume", "missing")
        else:
            consumed = message_names(operation.get("messages") or [])
            if consumed != expected:
                problems.add(f"operations.{service}-consume.messages", f"{consumed} but the catalogue says {expected}")

    suffixes = ("-dead-letter", "-retry-")
    for key in channels:
        if not key.startswith("queue-") or key == "queue-kvitt-unrouted":
            continue
        name = key[len("queue-"):]
        owner = next((service for service in services if name == service or name.startswith(service + "-")), None)
        if owner is None or (name != owner and not name[len(owner):].startswith(suffixes)):
            problems.add(f"channels.{key}", "a queue of a service the catalogue does not know")
    dead_letter = channels.get("exchange-kvitt-dead-letter") or {}
    listed = sorted((((dead_letter.get("parameters") or {}).get("serviceName") or {}).get("enum")) or [])
    if listed != services:
        problems.add("channels.exchange-kvitt-dead-letter.parameters.serviceName.enum", f"{listed}, expected {services}")
    for key in ("exchange-kvitt-unrouted", "queue-kvitt-unrouted"):
        if key not in channels:
            problems.add(f"channels.{key}", "missing: the alternate exchange and its queue are part of the topology")


# ------------------------------------------------------------------------------------------------------------ main


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Check Kvitt's AsyncAPI contract and optionally Swift encodings against it."
    )
    parser.add_argument("document", help="asyncapi.yaml")
    parser.add_argument("encodings", nargs="?", help="encodings.json: {wireName: payloadObject}")
    parser.add_argument("--examples", action="store_true", help="print {wireName: firstExamplePayload} as JSON")
    parser.add_argument("--topology", help="catalogue.json: {service: [wireName]}, who consumes what in the code")
    arguments = parser.parse_args(argv)
    report = sys.stderr if arguments.examples else sys.stdout
    problems = Problems()

    def finish() -> int:
        for line in problems:
            print(line, file=report)
        print(f"{len(problems)} problem(s)", file=report)
        return 1

    try:
        with open(arguments.document, encoding="utf-8") as file:
            document = yaml.load(file, Loader=JSONLikeLoader)
    except (OSError, yaml.YAMLError) as error:
        problems.add(arguments.document, f"cannot parse: {error}")
        return finish()
    if not isinstance(document, dict):
        problems.add(arguments.document, "the document is not a mapping")
        return finish()
    check_asyncapi(document, problems)
    if problems:
        return finish()

    contract = Contract(document)
    load_messages(contract, problems)
    check_structure(contract, problems)
    check_schemas(contract, problems)
    if not problems:  # examples against broken schemas would only repeat the problems
        check_examples(contract, problems)
    if arguments.encodings and not problems:
        check_encodings(contract, arguments.encodings, problems)
    if arguments.topology and not problems:
        check_topology(contract, arguments.topology, problems)
    if problems:
        return finish()

    checked = f"; {arguments.encodings} matches it" if arguments.encodings else ""
    if arguments.topology:
        checked += f"; its queues and consumers are {arguments.topology}'s"
    print(f"ok: {len(contract.messages)} messages, every example valid{checked}", file=report)
    if arguments.examples:
        json.dump(first_examples(contract), sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
