"""Build script for the one compiled part: the route matcher's hot path (a C extension).

Everything else is in pyproject.toml. The extension is optional: where no C compiler is found,
the build goes on and the package runs on its pure-Python matcher (same answers, slower).
``MANYPATHS_PURE_BUILD=1`` builds the pure package on purpose (``make wheel`` makes both).
"""

import os

from setuptools import Extension, setup

extensions = []
if not os.environ.get("MANYPATHS_PURE_BUILD"):
    extensions.append(Extension("manypaths.routing._speedups", ["src/manypaths/routing/_speedups.c"],
                                optional=True, extra_compile_args=["-O3"] if os.name != "nt" else []))

setup(ext_modules=extensions)
