"""Flask's template and flash signals, on blinker (the ``signals`` extra), for ported apps and
their tests: ``template_rendered``, ``before_render_template``, ``message_flashed``.

``with template_rendered.connected_to(record, app):`` works as with Flask. A signal is sent only
when something is connected to it. The request signals (``request_started``...) are not sent:
use ``before_request``/``after_request``/``teardown_request`` hooks.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent after a template rendered: ``sender`` the app, with ``template`` and ``context``.
template_rendered = _signals.signal("template-rendered")
#: Sent before a template renders: ``sender`` the app, with ``template`` and ``context``.
before_render_template = _signals.signal("before-render-template")
#: Sent when ``flash`` keeps a message: ``sender`` the app, with ``message`` and ``category``.
message_flashed = _signals.signal("message-flashed")
