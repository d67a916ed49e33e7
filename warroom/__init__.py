"""warroom: a keyboard-first console for running production incidents (the core).

The core never imports Textual; the console lives in ``screens`` and ``widgets``.
"""

__version__ = "0.1.0"
