/* manypaths.routing._speedups: the compiled hot path of route matching.
 *
 * FastMatch(static, program, methods, fallback, NotFound, MethodNotAllowed) is installed by the
 * compiled build as a Map's ``match`` (see Map._prepare): called as Map.match is, it answers
 *   - a hit: the static table's two dict lookups, else (an ASCII path) a walk of the same state
 *     machine as manypaths.routing.matcher.walk, in the same order (static transition first, then
 *     the dynamic ones by weight, then the rules of the state reached);
 *   - a plain miss: NotFound, or MethodNotAllowed with the methods of the rules that matched the
 *     path for other methods, as the pure matcher collects them.
 * Everything else goes to ``fallback`` (the pure-Python Map.match) with the same arguments: a
 * part matched by a regex or holding slashes, a trailing-slash redirect or loose match, a
 * redirect_to rule, a converter that must be asked whether the path exists for other methods,
 * "//" in the path, a path with non-ASCII text, a non-upper-case method, keyword arguments it does not know, a state deeper
 * than MAX_DEPTH. So 404/405 details, redirects and exotic converters stay in one place, and the
 * differential tests run both builds against werkzeug.
 *
 * Program layout (all tuples, built once per Map by compiler.speedups_program):
 *   node  = (static: dict[str, node], dynamic: tuple[(kind, node), ...], rules: tuple[entry, ...],
 *            bail_at_end: bool, bail_loose: bool, narrow: tuple[(bytes, node), ...] | None)
 *   narrow: the ASCII static transitions of a state with few of them (None: use the dict), so an
 *   ASCII path is walked by offsets, comparing bytes, without making a str per segment.
 *   kind  = 0 any non-empty segment, 1 str.isdecimal segment, 2 anything else (hand over)
 *   entry = (rule, methods: frozenset | None, names: tuple[str, ...], mode, arg, endpoint)
 *   mode  = 0 plain (zip names and values), 1 inline (arg: tuple of 0 none / 1 int / 2 float),
 *           2 call arg(values) (Rule.convert: a dict, or None when a converter rejects a value),
 *           3 hand over (a redirect_to rule)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#define MAX_DEPTH 128
#define MAX_VALUES 64

static PyObject *BAIL;   /* a private sentinel: "ask the fallback" */
static PyObject *DOUBLE_SLASH;  /* "//" */
static PyObject *KW_METHOD, *KW_RETURN_RULE, *KW_QUERY_STRING, *GET;

typedef struct {
    PyObject_HEAD
    PyObject *statics;   /* Map._static: path -> {method: (endpoint, rule, defaults)} */
    PyObject *root;      /* the program: the state reached by the empty text before the first "/" */
    PyObject *methods;   /* the methods it serves (others go to the fallback) */
    PyObject *fallback;  /* the pure-Python Map.match, bound */
    PyObject *not_found, *not_allowed;  /* the exception classes */
    vectorcallfunc vectorcall;
} FastMatch;

typedef struct {
    PyObject *method;
    int return_rule;
    int unsure;          /* a miss must be decided by the fallback */
    PyObject *allowed;   /* a set, or NULL: methods of rules matching the path for other methods */
    PyObject *values[MAX_VALUES];
} Walk;

/* The answer of ``entry`` for the values: a new (rule or endpoint, args) tuple, Py_None
 * (borrowed: a converter rejects a value), BAIL (borrowed), or NULL with an exception set. */
static PyObject *
accept(PyObject *entry, Walk *w, Py_ssize_t nvalues)
{
    PyObject *names = PyTuple_GET_ITEM(entry, 2);
    long mode = PyLong_AsLong(PyTuple_GET_ITEM(entry, 3));
    PyObject *arg = PyTuple_GET_ITEM(entry, 4);
    PyObject *args;
    if (mode == 3)
        return BAIL;
    if (mode == 2) {
        PyObject *tuple = PyTuple_New(nvalues);
        if (tuple == NULL)
            return NULL;
        for (Py_ssize_t k = 0; k < nvalues; k++)
            PyTuple_SET_ITEM(tuple, k, Py_NewRef(w->values[k]));
        args = PyObject_CallOneArg(arg, tuple);
        Py_DECREF(tuple);
        if (args == NULL)
            return NULL;
        if (args == Py_None) {
            Py_DECREF(args);
            return Py_None;
        }
    } else {
        if (PyTuple_GET_SIZE(names) != nvalues)
            return BAIL;
        args = PyDict_New();
        if (args == NULL)
            return NULL;
        for (Py_ssize_t k = 0; k < nvalues; k++) {
            PyObject *value = w->values[k];
            long code = mode == 1 ? PyLong_AsLong(PyTuple_GET_ITEM(arg, k)) : 0;
            PyObject *converted;
            if (code == 1)
                converted = PyLong_FromUnicodeObject(value, 10);
            else if (code == 2)
                converted = PyFloat_FromString(value);
            else
                converted = Py_NewRef(value);
            if (converted == NULL) {
                Py_DECREF(args);
                if (PyErr_ExceptionMatches(PyExc_ValueError)) {
                    /* int() refuses more digits than sys.get_int_max_str_digits(): a rejection */
                    PyErr_Clear();
                    return Py_None;
                }
                return NULL;
            }
            int failed = PyDict_SetItem(args, PyTuple_GET_ITEM(names, k), converted);
            Py_DECREF(converted);
            if (failed) {
                Py_DECREF(args);
                return NULL;
            }
        }
    }
    PyObject *found = PyTuple_Pack(2, PyTuple_GET_ITEM(entry, w->return_rule ? 0 : 5), args);
    Py_DECREF(args);
    return found;
}

/* A rule of the state reached does not take the method: the URL exists for its methods (405),
 * if its converters accept the values. Plain rules always do; the others are asked by the fallback. */
static int
record_allowed(PyObject *entry, Walk *w)
{
    if (PyLong_AsLong(PyTuple_GET_ITEM(entry, 3)) != 0) {
        w->unsure = 1;
        return 0;
    }
    if (w->allowed == NULL) {
        w->allowed = PySet_New(NULL);
        if (w->allowed == NULL)
            return -1;
    }
    PyObject *iterator = PyObject_GetIter(PyTuple_GET_ITEM(entry, 1));
    if (iterator == NULL)
        return -1;
    PyObject *item;
    while ((item = PyIter_Next(iterator)) != NULL) {
        int failed = PySet_Add(w->allowed, item);
        Py_DECREF(item);
        if (failed) {
            Py_DECREF(iterator);
            return -1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

/* The whole path is consumed at ``node``: its first rule taking the method and the values (the
 * others' methods are recorded for a 405), else a hand-over if a rule lies behind a trailing slash
 * (redirect or loose match: the fallback decides), else no match here. */
static PyObject *
path_end(PyObject *node, Walk *w, Py_ssize_t nvalues)
{
    PyObject *rules = PyTuple_GET_ITEM(node, 2);
    Py_ssize_t count = PyTuple_GET_SIZE(rules);
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *entry = PyTuple_GET_ITEM(rules, k);
        PyObject *methods = PyTuple_GET_ITEM(entry, 1);
        if (methods != Py_None) {
            int fits = PySet_Contains(methods, w->method);
            if (fits < 0)
                return NULL;
            if (!fits) {
                if (record_allowed(entry, w) < 0)
                    return NULL;
                continue;
            }
        }
        PyObject *found = accept(entry, w, nvalues);
        if (found != Py_None)
            return found;
    }
    return PyTuple_GET_ITEM(node, 3) == Py_True ? BAIL : Py_None;
}

/* The walk of an ASCII path, by offsets: the segment being matched is s[pos:end]; pos == len + 1
 * means every segment is consumed. Values are new strings held in w->values until the answer is
 * made (each is released when its branch returns). A new reference to the answer, or BAIL /
 * Py_None (borrowed), or NULL with an exception set. */
static PyObject *
walk_ascii(PyObject *node, PyObject *path, const char *s, Py_ssize_t len, Py_ssize_t pos, Walk *w,
           Py_ssize_t nvalues, int depth)
{
    if (depth > MAX_DEPTH)
        return BAIL;
    if (pos == len + 1)
        return path_end(node, w, nvalues);
    const char *slash = memchr(s + pos, '/', (size_t)(len - pos));
    Py_ssize_t end = slash == NULL ? len : slash - s;
    Py_ssize_t size = end - pos;
    PyObject *narrow = PyTuple_GET_ITEM(node, 5);
    if (narrow != Py_None) {
        Py_ssize_t count = PyTuple_GET_SIZE(narrow);
        for (Py_ssize_t k = 0; k < count; k++) {
            PyObject *pair = PyTuple_GET_ITEM(narrow, k);
            PyObject *key = PyTuple_GET_ITEM(pair, 0);
            if (PyBytes_GET_SIZE(key) == size && memcmp(PyBytes_AS_STRING(key), s + pos, (size_t)size) == 0) {
                PyObject *found = walk_ascii(PyTuple_GET_ITEM(pair, 1), path, s, len, end + 1, w, nvalues, depth + 1);
                if (found != Py_None)
                    return found;
                break;
            }
        }
    } else {
        PyObject *statics = PyTuple_GET_ITEM(node, 0);
        PyObject *part = PyUnicode_Substring(path, pos, end);
        if (part == NULL)
            return NULL;
        PyObject *child = PyDict_GetItemWithError(statics, part);
        Py_DECREF(part);
        if (child != NULL) {
            PyObject *found = walk_ascii(child, path, s, len, end + 1, w, nvalues, depth + 1);
            if (found != Py_None)
                return found;
        } else if (PyErr_Occurred())
            return NULL;
    }
    PyObject *dynamic = PyTuple_GET_ITEM(node, 1);
    Py_ssize_t count = PyTuple_GET_SIZE(dynamic);
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *transition = PyTuple_GET_ITEM(dynamic, k);
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(transition, 0));
        if (kind == 0) {
            if (size == 0)
                continue;
        } else if (kind == 1) {
            int digits = size > 0;
            for (Py_ssize_t c = pos; digits && c < end; c++)
                digits = s[c] >= '0' && s[c] <= '9';
            if (!digits)
                continue;
        } else
            return BAIL;
        if (nvalues >= MAX_VALUES)
            return BAIL;
        PyObject *value = PyUnicode_Substring(path, pos, end);
        if (value == NULL)
            return NULL;
        w->values[nvalues] = value;
        PyObject *found = walk_ascii(PyTuple_GET_ITEM(transition, 1), path, s, len, end + 1, w, nvalues + 1,
                                     depth + 1);
        Py_DECREF(value);
        if (found != Py_None)
            return found;
    }
    if (PyTuple_GET_ITEM(node, 4) == Py_True && end == len && size == 0)
        return BAIL;  /* a loose trailing slash: rules of this state may take it */
    return Py_None;
}

/* A static path's hit: (endpoint or rule, a fresh dict of its defaults). */
static PyObject *
static_hit(PyObject *hit, int return_rule)
{
    PyObject *defaults = PyTuple_GET_ITEM(hit, 2);
    PyObject *args;
    if (defaults == Py_None)
        args = PyDict_New();
    else {
        int truth = PyObject_IsTrue(defaults);
        if (truth < 0)
            return NULL;
        args = truth ? PyObject_CallOneArg((PyObject *)&PyDict_Type, defaults) : PyDict_New();
    }
    if (args == NULL)
        return NULL;
    PyObject *found = PyTuple_Pack(2, PyTuple_GET_ITEM(hit, return_rule ? 1 : 0), args);
    Py_DECREF(args);
    return found;
}

/* The answer, or BAIL (borrowed) for the fallback, or NULL with the miss (or an error) raised. */
static PyObject *
fast_match(FastMatch *m, PyObject *path, PyObject *method, int return_rule)
{
    PyObject *by_method = PyDict_GetItemWithError(m->statics, path);
    if (by_method != NULL) {
        PyObject *hit = PyDict_GetItemWithError(by_method, method);
        if (hit != NULL)
            return static_hit(hit, return_rule);
    }
    if (PyErr_Occurred())
        return NULL;
    int known = PySet_Contains(m->methods, method);
    if (known <= 0)
        return known < 0 ? NULL : BAIL;
    if (!PyUnicode_IS_ASCII(path))
        return BAIL;  /* rare: the pure matcher walks it */
    Walk w = {method, return_rule, 0, NULL};
    const char *s = (const char *)PyUnicode_1BYTE_DATA(path);
    Py_ssize_t len = PyUnicode_GET_LENGTH(path);
    PyObject *found = BAIL;
    /* A normal path: one leading slash (anything else is normalised by the fallback's walk). */
    if (len >= 1 && s[0] == '/' && !(len >= 2 && s[1] == '/'))
        found = walk_ascii(m->root, path, s, len, 1, &w, 0, 0);
    if (found == Py_None) {
        /* A miss: decided here unless a converter must be asked or "//" may redirect. */
        if (w.unsure || PyUnicode_Find(path, DOUBLE_SLASH, 0, len, 1) != -1) {
            found = BAIL;
        } else {
            PyObject *exc = NULL;
            if (w.allowed == NULL)
                exc = PyObject_CallOneArg(m->not_found, path);
            else {
                PyObject *allowed = PyFrozenSet_New(w.allowed);
                if (allowed != NULL) {
                    exc = PyObject_CallFunctionObjArgs(m->not_allowed, allowed, path, method, NULL);
                    Py_DECREF(allowed);
                }
            }
            if (exc != NULL) {
                PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
                Py_DECREF(exc);
            }
            found = NULL;
        }
    }
    Py_XDECREF(w.allowed);
    return found;
}

/* Called as Map.match: (path, method="GET", *, return_rule=False, query_string=""). */
static PyObject *
fast_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    FastMatch *m = (FastMatch *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyObject *path = nargs >= 1 ? args[0] : NULL;
    PyObject *method = nargs >= 2 ? args[1] : NULL;
    PyObject *return_rule = NULL;
    int plain = nargs >= 1 && nargs <= 2;
    if (plain && kwnames != NULL) {
        Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t k = 0; plain && k < nkw; k++) {
            PyObject *name = PyTuple_GET_ITEM(kwnames, k);
            PyObject *value = args[nargs + k];
            if (name == KW_RETURN_RULE)
                return_rule = value;
            else if (name == KW_METHOD && method == NULL)
                method = value;
            else if (name != KW_QUERY_STRING)  /* query_string matters for redirects only */
                plain = 0;
        }
    }
    if (plain) {
        if (method == NULL)
            method = GET;
        if (PyUnicode_CheckExact(path) && PyUnicode_CheckExact(method)) {
            int rr = return_rule == NULL ? 0 : PyObject_IsTrue(return_rule);
            if (rr < 0)
                return NULL;
            PyObject *found = fast_match(m, path, method, rr);
            if (found != BAIL)
                return found;
        }
    }
    return PyObject_Vectorcall(m->fallback, args, nargsf, kwnames);
}

static PyObject *
fast_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *statics, *root, *methods, *fallback, *not_found, *not_allowed;
    if (!PyArg_ParseTuple(args, "O!O!O!OOO:FastMatch", &PyDict_Type, &statics, &PyTuple_Type, &root,
                          &PyFrozenSet_Type, &methods, &fallback, &not_found, &not_allowed))
        return NULL;
    if (PyTuple_GET_SIZE(root) != 6) {
        PyErr_SetString(PyExc_ValueError, "FastMatch: the program's root must be a 6-tuple");
        return NULL;
    }
    FastMatch *self = (FastMatch *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->statics = Py_NewRef(statics);
    self->root = Py_NewRef(root);
    self->methods = Py_NewRef(methods);
    self->fallback = Py_NewRef(fallback);
    self->not_found = Py_NewRef(not_found);
    self->not_allowed = Py_NewRef(not_allowed);
    self->vectorcall = fast_call;
    return (PyObject *)self;
}

static int
fast_traverse(FastMatch *self, visitproc visit, void *arg)
{
    Py_VISIT(self->statics);
    Py_VISIT(self->root);
    Py_VISIT(self->methods);
    Py_VISIT(self->fallback);
    Py_VISIT(self->not_found);
    Py_VISIT(self->not_allowed);
    return 0;
}

static int
fast_clear(FastMatch *self)
{
    Py_CLEAR(self->statics);
    Py_CLEAR(self->root);
    Py_CLEAR(self->methods);
    Py_CLEAR(self->fallback);
    Py_CLEAR(self->not_found);
    Py_CLEAR(self->not_allowed);
    return 0;
}

static void
fast_dealloc(FastMatch *self)
{
    PyObject_GC_UnTrack(self);
    fast_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
fast_get_fallback(FastMatch *self, void *closure)
{
    return Py_NewRef(self->fallback);
}

static PyGetSetDef fast_getset[] = {
    {"fallback", (getter)fast_get_fallback, NULL, "The pure-Python Map.match it hands over to.", NULL},
    {NULL},
};

static PyTypeObject FastMatchType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "manypaths.routing._speedups.FastMatch",
    .tp_doc = "FastMatch(static_table, program, methods, fallback, NotFound, MethodNotAllowed): Map.match's hot path.",
    .tp_basicsize = sizeof(FastMatch),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = fast_new,
    .tp_dealloc = (destructor)fast_dealloc,
    .tp_traverse = (traverseproc)fast_traverse,
    .tp_clear = (inquiry)fast_clear,
    .tp_vectorcall_offset = offsetof(FastMatch, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_getset = fast_getset,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "manypaths.routing._speedups",
    .m_doc = "The compiled hot path of route matching (see manypaths.routing.compiler).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&FastMatchType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    BAIL = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
    DOUBLE_SLASH = PyUnicode_InternFromString("//");
    KW_METHOD = PyUnicode_InternFromString("method");
    KW_RETURN_RULE = PyUnicode_InternFromString("return_rule");
    KW_QUERY_STRING = PyUnicode_InternFromString("query_string");
    GET = PyUnicode_InternFromString("GET");
    if (!BAIL || !DOUBLE_SLASH || !KW_METHOD || !KW_RETURN_RULE || !KW_QUERY_STRING || !GET) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&FastMatchType);
    if (PyModule_AddObject(m, "FastMatch", (PyObject *)&FastMatchType) < 0) {
        Py_DECREF(&FastMatchType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
