"""The user's keymap: a YAML file mapping binding ids to keys, applied at startup.

Where: ``$WARROOM_KEYMAP`` if set, else ``keymap.yaml`` in the platform config folder
(``platformdirs.user_config_dir("warroom")``, e.g. ``~/.config/warroom/keymap.yaml``).
What: one line per binding: its id (``screen.action``, e.g. ``war_room.ack``,
``home.open``, ``app.declare``; the README lists them) and one key or several (a
list, or comma-separated)::

    war_room.ack: f6            # F2 no longer acknowledges, F6 does
    war_room.resolve: [f5, f4]  # both keys
    app.declare: ctrl+d

A missing file is no keymap. An unknown id, a key that is not a key, or a malformed
file is reported (a notification at startup) and the rest is applied; never a crash.
A key the focused widget uses itself keeps doing that there (in a text field ctrl+k
deletes to the end of the line); the footer and the help screen show what works.
A printable key (``k``, ``?``) is refused for a priority binding: it would act while a
text field has focus instead of typing the character.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from platformdirs import user_config_dir
from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, key_to_character
from textual.widget import Widget
from textual.widgets import Input, TextArea

ENV = "WARROOM_KEYMAP"
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
NAMED_KEYS = frozenset(k.value for k in Keys) | {"space"}
PACKAGES = ("screens", "widgets")
SKIP_MODULES = frozenset({"screens.serve"})  # the web server, not a screen


def keymap_path() -> Path:
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_config_dir("warroom", appauthor=False)) / "keymap.yaml"


@dataclass
class LoadedKeymap:
    path: Path
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> "key,key"
    problems: list[str] = field(default_factory=list)


def known_bindings() -> dict[str, Binding]:
    """Every binding with an id declared in the console's screens and widgets."""
    found: dict[str, Binding] = {}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__, f"{package_name}."):
            if info.name in SKIP_MODULES:
                continue
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                    for b in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
                        if b.id:
                            found.setdefault(b.id, b)
    return found


def valid_key(key: str) -> bool:
    """``f6``, ``ctrl+k``, ``shift+tab``, ``question_mark``, ``?``, ``k``."""
    *mods, last = key.split("+")
    if not last or any(m not in MODIFIERS for m in mods):
        return False
    return len(last) == 1 or last in NAMED_KEYS or key_to_character(last) is not None


def printable_key(key: str) -> bool:
    """A key a text field types (no ctrl/alt, a character)."""
    if "+" in key and not key.startswith("shift+"):
        return False
    char = key if len(key) == 1 else key_to_character(key)
    return char is not None and char.isprintable()


def types_text(focused: Widget | None, event: events.Key) -> bool:
    """Whether ``event`` is a character for the focused text field, never a shortcut.

    An editable Input or TextArea stops such a key itself; a read-only one (a final
    post-mortem's sections) lets it bubble, and the App would run a one-letter binding
    (``d`` Declare, ``h`` Handoff). The App refuses every printable key while a text
    field has focus; Escape, F-keys and ctrl+ keys still act."""
    return isinstance(focused, Input | TextArea) and event.is_printable


def _keys(value: object) -> list[str] | None:
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        parts = list(value)
    else:
        return None
    keys = [p.strip() for p in parts]
    return keys if keys and all(keys) else None


def parse_keymap(text: str, path: Path, known: dict[str, Binding]) -> LoadedKeymap:
    loaded = LoadedKeymap(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        loaded.problems.append(f"{path} is not valid YAML ({err}); no key was changed.")
        return loaded
    if data is None:
        return loaded
    if not isinstance(data, dict):
        loaded.problems.append(f"{path} must map binding ids to keys; no key was changed.")
        return loaded
    for binding_id, value in data.items():
        name = str(binding_id)
        binding = known.get(name)
        keys = _keys(value)
        if binding is None:
            loaded.problems.append(f"{path}: unknown binding id {name!r} (see the help screen).")
        elif keys is None or not all(valid_key(k) for k in keys):
            loaded.problems.append(f"{path}: {name}: {value!r} is not a key such as f6 or ctrl+k.")
        elif binding.priority and any(printable_key(k) for k in keys):
            loaded.problems.append(
                f"{path}: {name} works inside text fields, so it needs a key that types "
                f"nothing (f6, ctrl+k), not {value!r}."
            )
        else:
            loaded.keymap[name] = ",".join(keys)
    return loaded


def load_keymap(path: Path | None = None) -> LoadedKeymap:
    """Read the keymap file (none: an empty keymap); problems are listed, not raised."""
    path = path or keymap_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedKeymap(path)
    except (OSError, UnicodeDecodeError) as err:
        return LoadedKeymap(path, problems=[f"cannot read {path}: {err}; no key was changed."])
    return parse_keymap(text, path, known_bindings())
