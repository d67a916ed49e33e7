"""What ``yaml.safe_load`` lets through silently in a hand-edited file: a key written
twice (the last one wins without a word). ``yes``/``true`` where a number belongs and
an unquoted ``10:00`` are refused by the models' base (:mod:`warroom.strict`)."""

from __future__ import annotations

import yaml


def duplicate_key(text: str) -> tuple[str, int, int] | None:
    """The first key written twice in one mapping: (key path, first line, second line).
    Only looks at nodes (``yaml.compose`` with the safe loader); builds no objects."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None  # safe_load reports it
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, path = stack.pop()
        if id(node) in seen:  # an alias: already checked where the anchor is
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            lines: dict[str, int] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    here = f"{path}.{k.value}" if path else k.value
                    if k.value in lines:
                        return here, lines[k.value], k.start_mark.line + 1
                    lines[k.value] = k.start_mark.line + 1
                    stack.append((v, here))
                else:
                    stack.append((v, path))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(node.value))
    return None
