/* manypaths.asgi._environ: the compiled builder of the ASGI and RSGI drivers' WSGI environ.
 *
 * asgi_environ(scope, last, keys, errors[, no_body]) builds the environ of an ASGI HTTP scope in its common
 * case (the same server as the last request, an ASCII path, no root path, header names seen
 * before and not repeated): the same dict, in the same order, as the Python builder
 * manypaths.asgi.environ.environ_py, which takes every other case (None is returned for those).
 * rsgi_environ(scope, last, keys, errors[, no_body]) does the same for an RSGI scope (granian's
 * native interface) beside manypaths.rsgi.environ_py.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>


static PyObject *K_ROOT_PATH, *K_PATH, *K_METHOD, *K_QUERY, *K_CLIENT, *K_HEADERS, *K_SERVER, *K_SCHEME, *K_VERSION;
static PyObject *E_METHOD, *E_SCRIPT, *E_PATH, *E_QUERY, *E_ERRORS, *E_SCOPE, *E_ADDR, *E_PORT, *E_CTYPE;
static PyObject *EMPTY_STR, *E_CLENGTH, *E_TRANSFER, *E_PROTOCOL, *E_INPUT, *E_RSGI_SCOPE, *K_ITEMS, *E_HOST, *K_AUTHORITY;

/* REMOTE_PORT's text for the last ports seen, one slot per port modulo PORT_SLOTS: a keep-alive
 * connection sends many requests from one port (str() of an int is ~800 instructions). */
#define PORT_SLOTS 64
static long port_numbers[PORT_SLOTS];
static PyObject *port_texts[PORT_SLOTS];

/* The text of ``port`` (a new reference). */
static PyObject *
port_text(PyObject *port)
{
    long number = PyLong_AsLong(port);
    if (number == -1 && PyErr_Occurred())
        return NULL;
    if (number < 0 || number > 65535)
        return PyObject_Str(port);
    int slot = (int)(number % PORT_SLOTS);
    if (port_texts[slot] != NULL && port_numbers[slot] == number)
        return Py_NewRef(port_texts[slot]);
    PyObject *text = PyObject_Str(port);
    if (text == NULL)
        return NULL;
    Py_XSETREF(port_texts[slot], Py_NewRef(text));
    port_numbers[slot] = number;
    return text;
}

/* Whether ``text`` (a str, or NULL) is the ASCII ``literal`` (compared as bytes: a generic
 * comparison costs ~80 instructions, and these run several times per request). */
static int
is_text(PyObject *text, const char *literal)
{
    if (text == NULL || !PyUnicode_CheckExact(text))
        return 0;
#if PY_VERSION_HEX < 0x030C0000
    if (!PyUnicode_IS_READY(text))
        return PyUnicode_CompareWithASCIIString(text, literal) == 0;
#endif
    size_t n = strlen(literal);
    return PyUnicode_IS_ASCII(text) && (size_t)PyUnicode_GET_LENGTH(text) == n
        && memcmp(PyUnicode_1BYTE_DATA(text), literal, n) == 0;
}

/* Whether the request of ``environ`` has no body (the ASGI driver's rule, RFC 9112 6.3): a
 * Content-Length of 0, or a GET or HEAD over HTTP/1.x without Content-Length or Transfer-Encoding.
 * -1: an error. */
static int
bodiless(PyObject *environ, PyObject *method)
{
    PyObject *declared = PyDict_GetItemWithError(environ, E_CLENGTH);
    if (declared != NULL)
        return is_text(declared, "0");
    if (PyErr_Occurred())
        return -1;
    if (!is_text(method, "GET") && !is_text(method, "HEAD"))
        return 0;
    int chunked = PyDict_Contains(environ, E_TRANSFER);
    if (chunked != 0)
        return chunked < 0 ? -1 : 0;
    PyObject *protocol = PyDict_GetItemWithError(environ, E_PROTOCOL);
    if (protocol == NULL)
        return PyErr_Occurred() ? -1 : 0;
    return is_text(protocol, "HTTP/1.1") || is_text(protocol, "HTTP/1.0");
}

/* scope[key] (borrowed), or NULL without an exception when it is missing. */
static PyObject *
scope_item(PyObject *scope, PyObject *key)
{
    return PyDict_GetItemWithError(scope, key);
}

/* Whether ``a`` and ``b`` are the same object or equal (-1: an error). */
static int
same(PyObject *a, PyObject *b)
{
    return a == b ? 1 : PyObject_RichCompareBool(a, b, Py_EQ);
}

/* One (name, value) header into the environ: 1 done (or dropped), 0 the caller must hand over
 * (not of the server's types, a name not seen yet, a repeated header: Python joins the values), -1
 * an error. An ASGI header is two bytes (the value decoded from latin-1); an RSGI header (``text``)
 * two str, its value kept as it is when ASCII (else Python transcodes it). */
static int
add_header(PyObject *environ, PyObject *keys, PyObject *pair, int text)
{
    if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2)
        return 0;
    PyObject *name = PyTuple_GET_ITEM(pair, 0), *raw = PyTuple_GET_ITEM(pair, 1);
    if (text ? !PyUnicode_CheckExact(name) || !PyUnicode_CheckExact(raw) || !PyUnicode_IS_ASCII(raw)
             : !PyBytes_CheckExact(name) || !PyBytes_CheckExact(raw))
        return 0;
    PyObject *key = PyDict_GetItemWithError(keys, name);
    if (key == NULL)
        return PyErr_Occurred() ? -1 : 0;  /* a name not seen yet: Python learns it */
    if (!PyUnicode_CheckExact(key))
        return 0;
    if (PyUnicode_GET_LENGTH(key) == 0)
        return 1;  /* a dropped name (one with "_") */
    PyObject *value = text ? Py_NewRef(raw)
        : PyUnicode_DecodeLatin1(PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), NULL);
    if (value == NULL)
        return -1;
    /* One lookup for a new key (the common case): set unless present. A repeated header is handed
     * over (Python joins the values), except Content-Type, where the last one wins. Whether it was
     * present is told by the size, not by the value held: an empty or one-character value is a
     * shared object, so the value held may be this very one. */
    Py_ssize_t size = PyDict_GET_SIZE(environ);
    PyObject *held = PyDict_SetDefault(environ, key, value);
    int done = held == NULL ? -1 : 1;
    if (held != NULL && PyDict_GET_SIZE(environ) == size) {
        int ctype = PyUnicode_Compare(key, E_CTYPE);
        if (ctype == 0)
            done = PyDict_SetItem(environ, key, value) < 0 ? -1 : 1;
        else
            done = ctype == -1 && PyErr_Occurred() ? -1 : 0;
    }
    Py_DECREF(value);
    return done;
}

/* Each header of ``headers`` (a list or tuple of pairs) into the environ: as add_header, 0 when one
 * is handed over. */
static int
add_headers(PyObject *environ, PyObject *keys, PyObject *headers, int text)
{
    /* The size is read again at each step, and each pair held while used (an allocation may run
     * a collection, and a finalizer could change a list). */
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(headers); k++) {
        PyObject *pair = Py_NewRef(PySequence_Fast_GET_ITEM(headers, k));
        int added = add_header(environ, keys, pair, text);
        Py_DECREF(pair);
        if (added <= 0)
            return added;
    }
    return 1;
}

/* The environ's start: a copy of the server's shared ``base``, made from a copy of it with room for
 * a request's own keys (the base's 8, this builder's 8 and a few headers fit in 32 slots): a copy of
 * the base itself has 16 and grew to 32 on every request, rehashing what it held (~1k instructions).
 * The copy is kept for the last base seen (compared by identity; a base is never changed once
 * made). */
static PyObject *room_of, *room;

static PyObject *
copy_base(PyObject *base)
{
    if (base != room_of) {
        PyObject *made = NULL;
#if PY_VERSION_HEX < 0x030E0000
        made = _PyDict_NewPresized(PyDict_GET_SIZE(base) + 12);
#else
        made = PyDict_New();
#endif
        if (made == NULL)
            return NULL;
        PyObject *key, *value;
        Py_ssize_t at = 0;
        while (PyDict_Next(base, &at, &key, &value)) {
            if (PyDict_SetItem(made, key, value) < 0) {
                Py_DECREF(made);
                return NULL;
            }
        }
        Py_XSETREF(room, made);
        Py_XSETREF(room_of, Py_NewRef(base));
    }
    return PyDict_Copy(room);
}

/* A request without a body (see bodiless) gets ``no_body`` as its wsgi.input. 0, or -1 an error. */
static int
give_no_body(PyObject *environ, PyObject *method, PyObject *no_body)
{
    int none = bodiless(environ, method);
    return none < 0 || (none && PyDict_SetItem(environ, E_INPUT, no_body) < 0) ? -1 : 0;
}

/* Whether the builders' arguments fit: (scope (a dict when ``dict_scope``), last: a 4-tuple ending in
 * the base dict, keys: dict, errors[, no_body]); else a TypeError with ``usage``. */
static int
arguments_fit(PyObject *const *args, Py_ssize_t nargs, int dict_scope, const char *usage)
{
    if (nargs < 4 || nargs > 5 || (dict_scope && !PyDict_CheckExact(args[0])) || !PyTuple_CheckExact(args[1])
        || PyTuple_GET_SIZE(args[1]) != 4
        || !PyDict_CheckExact(PyTuple_GET_ITEM(args[1], 3)) || !PyDict_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, usage);
        return 0;
    }
    return 1;
}

/* asgi_environ(scope, last, keys, errors[, no_body]): the WSGI environ of an ASGI HTTP scope, as
 * aio.environ_py builds it on the shared part ``last`` = (server, scheme, http_version, base) holds
 * for the scope's server, scheme and version (None when they differ: the caller picks the base),
 * for the common case: an empty root_path, an ASCII path, a str method,
 * bytes query string, a (str, int) client or None, header names all known to ``keys`` (bytes ->
 * environ key, "" for a dropped name) and none repeated. Anything else returns None: the caller
 * builds it in Python (which also learns new header names for the next time). With ``no_body``,
 * a request that has no body (see bodiless) gets it as its wsgi.input. */
static PyObject *
asgi_environ(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_fit(args, nargs, 1, "asgi_environ(scope: dict, last: (server, scheme, version, base: dict), "
                                       "keys: dict, errors[, no_body])"))
        return NULL;
    PyObject *scope = args[0], *last = args[1], *keys = args[2];
    PyObject *server = scope_item(scope, K_SERVER), *scheme = scope_item(scope, K_SCHEME);
    PyObject *version = scope_item(scope, K_VERSION);
    if (server == NULL || scheme == NULL || version == NULL)
        return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    if (!(server == Py_None || PyTuple_CheckExact(server)) || !PyUnicode_CheckExact(scheme)
        || !PyUnicode_CheckExact(version))
        Py_RETURN_NONE;
    int fits = same(server, PyTuple_GET_ITEM(last, 0));
    if (fits > 0)
        fits = same(scheme, PyTuple_GET_ITEM(last, 1));
    if (fits > 0)
        fits = same(version, PyTuple_GET_ITEM(last, 2));
    if (fits <= 0)
        return fits < 0 ? NULL : Py_NewRef(Py_None);
    PyObject *root = scope_item(scope, K_ROOT_PATH), *path = scope_item(scope, K_PATH);
    PyObject *method = scope_item(scope, K_METHOD), *query = scope_item(scope, K_QUERY);
    PyObject *client = scope_item(scope, K_CLIENT), *headers = scope_item(scope, K_HEADERS);
    if (PyErr_Occurred())
        return NULL;
    if (root == NULL || path == NULL || method == NULL || query == NULL || client == NULL || headers == NULL)
        Py_RETURN_NONE;
    if (!(PyUnicode_CheckExact(root) && PyUnicode_GET_LENGTH(root) == 0)
        || !(PyUnicode_CheckExact(path) && PyUnicode_IS_ASCII(path) && PyUnicode_GET_LENGTH(path) > 0)
        || !(PyUnicode_CheckExact(method) && PyUnicode_GET_LENGTH(method) > 0) || !PyBytes_CheckExact(query)
        || !(PyList_CheckExact(headers) || PyTuple_CheckExact(headers)))
        Py_RETURN_NONE;
    PyObject *host = NULL, *port = NULL;
    if (client != Py_None) {
        if (!PyTuple_CheckExact(client) || PyTuple_GET_SIZE(client) != 2)
            Py_RETURN_NONE;
        host = PyTuple_GET_ITEM(client, 0);
        port = PyTuple_GET_ITEM(client, 1);
        /* (granian gives the port as text: ("127.0.0.1", "50368"); uvicorn as an int.) */
        if (!PyUnicode_CheckExact(host) || !(PyLong_CheckExact(port) || PyUnicode_CheckExact(port)))
            Py_RETURN_NONE;
    }
    PyObject *environ = copy_base(PyTuple_GET_ITEM(last, 3));
    if (environ == NULL)
        return NULL;
    PyObject *query_text = PyBytes_GET_SIZE(query) == 0 ? Py_NewRef(EMPTY_STR)
        : PyUnicode_DecodeLatin1(PyBytes_AS_STRING(query), PyBytes_GET_SIZE(query), NULL);
    if (query_text == NULL)
        goto error;
    int failed = PyDict_SetItem(environ, E_METHOD, method) || PyDict_SetItem(environ, E_SCRIPT, EMPTY_STR)
        || PyDict_SetItem(environ, E_PATH, path) || PyDict_SetItem(environ, E_QUERY, query_text)
        || PyDict_SetItem(environ, E_ERRORS, args[3]) || PyDict_SetItem(environ, E_SCOPE, scope);
    Py_DECREF(query_text);
    if (failed)
        goto error;
    if (host != NULL) {
        PyObject *text = PyUnicode_CheckExact(port) ? Py_NewRef(port) : port_text(port);
        if (text == NULL)
            goto error;
        failed = PyDict_SetItem(environ, E_ADDR, host) || PyDict_SetItem(environ, E_PORT, text);
        Py_DECREF(text);
        if (failed)
            goto error;
    }
    int added = add_headers(environ, keys, headers, 0);
    if (added <= 0) {
        if (added < 0)
            goto error;
        goto fallback;
    }
    if (nargs == 5 && give_no_body(environ, method, args[4]) < 0)
        goto error;
    return environ;
fallback:
    Py_DECREF(environ);
    Py_RETURN_NONE;
error:
    Py_DECREF(environ);
    return NULL;
}

/* The client of an RSGI scope, "host:port" (an IPv6 host in brackets): REMOTE_ADDR and
 * REMOTE_PORT as rsgi.environ_py takes them (the host before the last ":" stripped of "[]", the
 * port after it), set in the environ; none set when there is no host before a ":". 0 or -1. */
static int
add_client(PyObject *environ, PyObject *client)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(client);
    Py_ssize_t colon = PyUnicode_FindChar(client, ':', 0, length, -1);
    if (colon == -2)
        return -1;
    if (colon <= 0)
        return 0;
    Py_ssize_t start = 0, end = colon;
    while (start < end && (PyUnicode_READ_CHAR(client, start) == '[' || PyUnicode_READ_CHAR(client, start) == ']'))
        start++;
    while (end > start && (PyUnicode_READ_CHAR(client, end - 1) == '[' || PyUnicode_READ_CHAR(client, end - 1) == ']'))
        end--;
    PyObject *host = PyUnicode_Substring(client, start, end);
    if (host == NULL)
        return -1;
    PyObject *port = PyUnicode_Substring(client, colon + 1, length);
    int failed = port == NULL || PyDict_SetItem(environ, E_ADDR, host) < 0 || PyDict_SetItem(environ, E_PORT, port) < 0;
    Py_DECREF(host);
    Py_XDECREF(port);
    return failed ? -1 : 0;
}

/* rsgi_environ(scope, last, keys, errors[, no_body]): the WSGI environ of an RSGI (granian) HTTP
 * scope, as manypaths.rsgi.environ_py builds it on the shared part ``last`` = (server, scheme,
 * http_version, base) holds for the scope's server, scheme and version (None when they differ: the
 * caller picks the base), for the common case: a non-empty ASCII path, a str method, an ASCII query
 * string, a str client, and headers (scope.headers.items(): (str, str) pairs) with ASCII values,
 * names all known to ``keys`` (str -> environ key, "" for a dropped name) and none repeated; without
 * a Host header, an ASCII scope.authority or None.
 * Anything else returns None: the caller builds it in Python. ``no_body``: as asgi_environ's.
 * (The scope's fields are read as attributes: granian makes each one when it is read.) */
static PyObject *
rsgi_environ(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_fit(args, nargs, 0, "rsgi_environ(scope, last: (server, scheme, version, base: dict), keys: dict, "
                                    "errors[, no_body])"))
        return NULL;
    PyObject *scope = args[0], *last = args[1], *keys = args[2];
    PyObject *environ = NULL, *result = NULL;
    PyObject *fields[8] = {NULL};  /* server, scheme, version, path, method, query, client, headers */
    PyObject *names[8] = {K_SERVER, K_SCHEME, K_VERSION, K_PATH, K_METHOD, K_QUERY, K_CLIENT, K_HEADERS};
    PyObject *pairs = NULL;
    for (int k = 0; k < 3; k++) {
        fields[k] = PyObject_GetAttr(scope, names[k]);
        if (fields[k] == NULL)
            goto done;
        int fits = PyUnicode_CheckExact(fields[k]) ? same(fields[k], PyTuple_GET_ITEM(last, k)) : 0;
        if (fits <= 0) {
            if (fits == 0)
                result = Py_NewRef(Py_None);
            goto done;
        }
    }
    for (int k = 3; k < 8; k++) {
        fields[k] = PyObject_GetAttr(scope, names[k]);
        if (fields[k] == NULL)
            goto done;
    }
    PyObject *path = fields[3], *method = fields[4], *query = fields[5], *client = fields[6];
    if (!(PyUnicode_CheckExact(path) && PyUnicode_IS_ASCII(path) && PyUnicode_GET_LENGTH(path) > 0)
        || !(PyUnicode_CheckExact(method) && PyUnicode_GET_LENGTH(method) > 0)
        || !(PyUnicode_CheckExact(query) && PyUnicode_IS_ASCII(query)) || !PyUnicode_CheckExact(client)) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    pairs = PyObject_CallMethodNoArgs(fields[7], K_ITEMS);
    if (pairs == NULL)
        goto done;
    if (!PyList_CheckExact(pairs) && !PyTuple_CheckExact(pairs)) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    environ = copy_base(PyTuple_GET_ITEM(last, 3));
    if (environ == NULL || PyDict_SetItem(environ, E_METHOD, method) < 0 || PyDict_SetItem(environ, E_PATH, path) < 0
        || PyDict_SetItem(environ, E_QUERY, query) < 0 || PyDict_SetItem(environ, E_ERRORS, args[3]) < 0
        || PyDict_SetItem(environ, E_RSGI_SCOPE, scope) < 0 || add_client(environ, client) < 0)
        goto done;
    int added = add_headers(environ, keys, pairs, 1);
    if (added <= 0) {
        if (added == 0)
            result = Py_NewRef(Py_None);
        goto done;
    }
    /* HTTP/2 and 3 name the host in :authority (scope.authority), not among the headers. */
    int hosted = PyDict_Contains(environ, E_HOST);
    if (hosted < 0)
        goto done;
    if (!hosted) {
        PyObject *authority = PyObject_GetAttr(scope, K_AUTHORITY);
        if (authority == NULL) {  /* a granian older than the field has none: as None */
            if (!PyErr_ExceptionMatches(PyExc_AttributeError))
                goto done;
            PyErr_Clear();
            authority = Py_NewRef(Py_None);
        }
        int fits = authority == Py_None || (PyUnicode_CheckExact(authority) && PyUnicode_IS_ASCII(authority));
        int failed = fits && authority != Py_None && PyUnicode_GET_LENGTH(authority) > 0
            && PyDict_SetItem(environ, E_HOST, authority) < 0;
        Py_DECREF(authority);
        if (failed)
            goto done;
        if (!fits) {
            result = Py_NewRef(Py_None);
            goto done;
        }
    }
    if (nargs == 5 && give_no_body(environ, method, args[4]) < 0)
        goto done;
    result = Py_NewRef(environ);
done:
    for (int k = 0; k < 8; k++)
        Py_XDECREF(fields[k]);
    Py_XDECREF(pairs);
    Py_XDECREF(environ);
    return result;
}

static PyMethodDef module_methods[] = {
    {"asgi_environ", (PyCFunction)(void (*)(void))asgi_environ, METH_FASTCALL,
     "asgi_environ(scope, last, keys, errors[, no_body]): the WSGI environ of an ASGI HTTP scope (common case), "
     "or None."},
    {"rsgi_environ", (PyCFunction)(void (*)(void))rsgi_environ, METH_FASTCALL,
     "rsgi_environ(scope, last, keys, errors[, no_body]): the WSGI environ of an RSGI HTTP scope (common case), "
     "or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "manypaths.asgi._environ",
    .m_doc = "The compiled builder of the ASGI and RSGI drivers' WSGI environ (see manypaths.asgi.environ and "
             "manypaths.rsgi).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__environ(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    K_ROOT_PATH = PyUnicode_InternFromString("root_path");
    K_PATH = PyUnicode_InternFromString("path");
    K_METHOD = PyUnicode_InternFromString("method");
    K_QUERY = PyUnicode_InternFromString("query_string");
    K_CLIENT = PyUnicode_InternFromString("client");
    K_HEADERS = PyUnicode_InternFromString("headers");
    K_SERVER = PyUnicode_InternFromString("server");
    K_SCHEME = PyUnicode_InternFromString("scheme");
    K_VERSION = PyUnicode_InternFromString("http_version");
    E_METHOD = PyUnicode_InternFromString("REQUEST_METHOD");
    E_SCRIPT = PyUnicode_InternFromString("SCRIPT_NAME");
    E_PATH = PyUnicode_InternFromString("PATH_INFO");
    E_QUERY = PyUnicode_InternFromString("QUERY_STRING");
    E_ERRORS = PyUnicode_InternFromString("wsgi.errors");
    E_SCOPE = PyUnicode_InternFromString("asgi.scope");
    E_ADDR = PyUnicode_InternFromString("REMOTE_ADDR");
    E_PORT = PyUnicode_InternFromString("REMOTE_PORT");
    E_CTYPE = PyUnicode_InternFromString("CONTENT_TYPE");
    EMPTY_STR = PyUnicode_InternFromString("");
    E_CLENGTH = PyUnicode_InternFromString("CONTENT_LENGTH");
    E_TRANSFER = PyUnicode_InternFromString("HTTP_TRANSFER_ENCODING");
    E_PROTOCOL = PyUnicode_InternFromString("SERVER_PROTOCOL");
    E_INPUT = PyUnicode_InternFromString("wsgi.input");
    E_RSGI_SCOPE = PyUnicode_InternFromString("rsgi.scope");
    K_ITEMS = PyUnicode_InternFromString("items");
    E_HOST = PyUnicode_InternFromString("HTTP_HOST");
    K_AUTHORITY = PyUnicode_InternFromString("authority");
    if (!K_ROOT_PATH || !K_PATH || !K_METHOD || !K_QUERY || !K_CLIENT || !K_HEADERS || !K_SERVER || !K_SCHEME
        || !K_VERSION || !E_METHOD || !E_SCRIPT || !E_PATH || !E_QUERY || !E_ERRORS || !E_SCOPE || !E_ADDR
        || !E_PORT || !E_CTYPE || !EMPTY_STR || !E_CLENGTH || !E_TRANSFER || !E_PROTOCOL || !E_INPUT || !E_RSGI_SCOPE
        || !K_ITEMS || !E_HOST || !K_AUTHORITY) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
