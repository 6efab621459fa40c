"""Build script for the compiled parts: the route matcher's hot path, the ASGI environ builder and
the JSON answers' writer (three C extensions).

Everything else is in pyproject.toml. The extension is optional: where no C compiler is found,
the build goes on and the package runs on its pure-Python matcher (same answers, slower).
``MANYPATHS_PURE_BUILD=1`` builds the pure package on purpose (``make wheel`` makes both);
``MANYPATHS_SANITIZE=1`` builds it with ASan and UBSan (``make test-sanitize``).
"""

import os

from setuptools import Extension, setup

extensions = []
compile_args = ["-O3"] if os.name != "nt" else []
link_args: list = []
if os.environ.get("MANYPATHS_SANITIZE"):
    # make test-sanitize: AddressSanitizer + UndefinedBehaviorSanitizer, any report fatal.
    sanitizers = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
    # -fno-wrapv: Python builds with -fwrapv, which would hide signed overflow from UBSan.
    compile_args = ["-O1", "-g", "-fno-omit-frame-pointer", "-fno-wrapv", *sanitizers]
    link_args = sanitizers
if not os.environ.get("MANYPATHS_PURE_BUILD"):
    # The route matcher's hot path, the ASGI driver's environ builder, the JSON answers' writer.
    for name, source in (("manypaths.routing._speedups", "src/manypaths/routing/_speedups.c"),
                         ("manypaths.asgi._environ", "src/manypaths/asgi/_environ.c"),
                         ("manypaths.http._speedups", "src/manypaths/http/_speedups.c")):
        extensions.append(Extension(name, [source], optional=not os.environ.get("MANYPATHS_SANITIZE"),
                                    extra_compile_args=compile_args, extra_link_args=link_args))

setup(ext_modules=extensions)
