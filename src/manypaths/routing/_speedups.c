/* manypaths.routing._speedups: the compiled hot path of route matching.
 *
 * FastMatch(static, program, methods, fallback, NotFound, MethodNotAllowed) is installed by the
 * compiled build as a Map's ``match`` (see Map._prepare): called as Map.match is, it answers
 *   - a hit: the static table's two dict lookups, else (an ASCII path) a walk of the same state
 *     machine as manypaths.routing.matcher.walk, in the same order (static transition first, then
 *     the dynamic ones by weight, then the rules of the state reached);
 *   - a plain miss: NotFound, or MethodNotAllowed with the methods of the rules that matched the
 *     path for other methods, as the pure matcher collects them.
 * Answers that depend on the path alone (static hits, plain and int/float values, misses decided
 * here) are remembered per (method, path) the second time a request is seen, up to CACHE_SIZE per
 * method: a remembered request costs two dict lookups, and its answer object is reused once its
 * caller has let go of it (see Answer). A path seen once costs one slot of a fixed array, so
 * unique ids or a scanner's paths never fill the table. Converters that are not plain (they may
 * load a record, or return a mutable object) are called for every request, as in the pure build.
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
/* Answers remembered per method (the table is emptied when full), and the longest path remembered. */
#define CACHE_SIZE 1024
#define CACHE_PATH_MAX 256
/* The "seen once" table: an answer is remembered the second time its request is seen. SEEN_SETS
 * sets of SEEN_WAYS slots: paths whose hashes share a set do not evict each other (up to SEEN_WAYS). */
#define SEEN_SETS 512
#define SEEN_WAYS 4

static PyObject *BAIL;   /* a private sentinel: "ask the fallback" */
static PyObject *KW_METHOD, *KW_RETURN_RULE, *KW_QUERY_STRING, *GET;

typedef struct {
    PyObject_HEAD
    PyObject *statics;   /* Map._static: path -> {method: (endpoint, rule, defaults)} */
    PyObject *root;      /* the program: the state reached by the empty text before the first "/" */
    PyObject *methods;   /* the methods it serves (others go to the fallback) */
    PyObject *fallback;  /* the pure-Python Map.match, bound */
    PyObject *not_found, *not_allowed;  /* the exception classes */
    PyObject *cache;     /* method -> {path: remembered answer} (see remember) */
    vectorcallfunc vectorcall;
    unsigned int seen_turn;     /* the way of a set replaced next */
    Py_uhash_t seen[SEEN_SETS][SEEN_WAYS];  /* hashes of (method, path) requests answered once (seen_before) */
} FastMatch;

typedef struct {
    PyObject *method;
    int return_rule;
    int unsure;          /* a miss must be decided by the fallback */
    PyObject *hit;       /* the entry that answered (borrowed), if its values are plain or inline-converted */
    PyObject *allowed;   /* a set, or NULL: methods of rules matching the path for other methods */
    PyObject *path;
    /* The values walked so far, as offsets in the path: strings are made only for an answer. */
    Py_ssize_t starts[MAX_VALUES], ends[MAX_VALUES];
} Walk;

/* Value ``k`` of the walk as a new string. */
static PyObject *
value_text(Walk *w, Py_ssize_t k)
{
    return PyUnicode_Substring(w->path, w->starts[k], w->ends[k]);
}

/* Value ``k`` as int() makes it: parsed from its ASCII digits when they fit a long long. */
static PyObject *
value_int(Walk *w, Py_ssize_t k)
{
    Py_ssize_t size = w->ends[k] - w->starts[k];
    const char *digits = (const char *)PyUnicode_1BYTE_DATA(w->path) + w->starts[k];
    if (size > 0 && size <= 18) {
        long long number = 0;
        Py_ssize_t i = 0;
        for (; i < size && digits[i] >= '0' && digits[i] <= '9'; i++)
            number = number * 10 + (digits[i] - '0');
        if (i == size)
            return PyLong_FromLongLong(number);
    }
    PyObject *text = value_text(w, k);
    if (text == NULL)
        return NULL;
    PyObject *number = PyLong_FromUnicodeObject(text, 10);
    Py_DECREF(text);
    return number;
}

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
        for (Py_ssize_t k = 0; k < nvalues; k++) {
            PyObject *value = value_text(w, k);
            if (value == NULL) {
                Py_DECREF(tuple);
                return NULL;
            }
            PyTuple_SET_ITEM(tuple, k, value);
        }
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
            long code = mode == 1 ? PyLong_AsLong(PyTuple_GET_ITEM(arg, k)) : 0;
            PyObject *converted;
            if (code == 1)
                converted = value_int(w, k);
            else if (code == 2) {
                PyObject *text = value_text(w, k);
                converted = text == NULL ? NULL : PyFloat_FromString(text);
                Py_XDECREF(text);
            } else
                converted = value_text(w, k);
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
    w->hit = mode == 2 ? NULL : entry;
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
 * means every segment is consumed. Values are kept as offsets (w->starts, w->ends) until a rule
 * takes them: a branch that fails, or a miss, makes no string. A new reference to the answer, or
 * BAIL / Py_None (borrowed), or NULL with an exception set. */
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
        w->starts[nvalues] = pos;
        w->ends[nvalues] = end;
        PyObject *found = walk_ascii(PyTuple_GET_ITEM(transition, 1), path, s, len, end + 1, w, nvalues + 1,
                                     depth + 1);
        if (found != Py_None)
            return found;
    }
    if (PyTuple_GET_ITEM(node, 4) == Py_True && end == len && size == 0)
        return BAIL;  /* a loose trailing slash: rules of this state may take it */
    return Py_None;
}

/* A remembered hit: its endpoint, rule and arguments, and the last answer made of them in each
 * form (return_rule false / true). An answer is a fresh (target, args) tuple to its caller; once
 * the caller has let go of both (we hold the only references) and the dict still holds exactly the
 * remembered items, it is handed out again instead of a new one: the idiom of CPython's zip() and
 * dict.items() iterators, which reuse their result tuple when nobody else holds it. Nobody can
 * tell the difference. (Not on a free-threaded build, where a reference count is no such proof.) */
typedef struct {
    PyObject_HEAD
    PyObject *endpoint, *rule;
    PyObject *args;   /* the arguments, never handed out */
    PyObject *last[2];
} Answer;

static PyTypeObject AnswerType;

/* Remembers ``made`` (a fresh (target, args) answer in the ``return_rule`` form) as the last one
 * handed out; its arguments are copied. */
static PyObject *
answer_new(PyObject *endpoint, PyObject *rule, PyObject *made, int return_rule)
{
    PyObject *copy = PyDict_Copy(PyTuple_GET_ITEM(made, 1));
    if (copy == NULL)
        return NULL;
    Answer *a = PyObject_GC_New(Answer, &AnswerType);
    if (a == NULL) {
        Py_DECREF(copy);
        return NULL;
    }
    a->endpoint = Py_NewRef(endpoint);
    a->rule = Py_NewRef(rule);
    a->args = copy;
    a->last[0] = a->last[1] = NULL;
    a->last[return_rule] = Py_NewRef(made);
    PyObject_GC_Track(a);
    return (PyObject *)a;
}

static int
answer_traverse(Answer *a, visitproc visit, void *arg)
{
    Py_VISIT(a->endpoint);
    Py_VISIT(a->rule);
    Py_VISIT(a->args);
    Py_VISIT(a->last[0]);
    Py_VISIT(a->last[1]);
    return 0;
}

static int
answer_clear(Answer *a)
{
    Py_CLEAR(a->endpoint);
    Py_CLEAR(a->rule);
    Py_CLEAR(a->args);
    Py_CLEAR(a->last[0]);
    Py_CLEAR(a->last[1]);
    return 0;
}

static void
answer_dealloc(Answer *a)
{
    PyObject_GC_UnTrack(a);
    answer_clear(a);
    PyObject_GC_Del(a);
}

static PyTypeObject AnswerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "manypaths.routing._speedups.Answer",
    .tp_doc = "A remembered hit of FastMatch (internal).",
    .tp_basicsize = sizeof(Answer),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)answer_dealloc,
    .tp_traverse = (traverseproc)answer_traverse,
    .tp_clear = (inquiry)answer_clear,
};

/* Whether ``given`` (a dict handed out before) still holds exactly the items of ``kept``. */
static int
unchanged(PyObject *given, PyObject *kept)
{
    if (PyDict_GET_SIZE(given) != PyDict_GET_SIZE(kept))
        return 0;
    Py_ssize_t i = 0, j = 0;
    PyObject *k1, *v1, *k2, *v2;
    while (PyDict_Next(given, &i, &k1, &v1)) {
        if (!PyDict_Next(kept, &j, &k2, &v2) || k1 != k2 || v1 != v2)
            return 0;
    }
    return 1;
}

/* A fresh answer of the remembered hit (see Answer). */
static PyObject *
answer_of(Answer *a, int return_rule)
{
    PyObject *last = a->last[return_rule];
#ifndef Py_GIL_DISABLED
    if (last != NULL && Py_REFCNT(last) == 1) {
        PyObject *args = PyTuple_GET_ITEM(last, 1);
        if (Py_REFCNT(args) == 1 && unchanged(args, a->args))
            return Py_NewRef(last);
    }
#endif
    PyObject *args = PyDict_Copy(a->args);
    if (args == NULL)
        return NULL;
    PyObject *found = PyTuple_Pack(2, return_rule ? a->rule : a->endpoint, args);
    Py_DECREF(args);
    if (found != NULL)
        Py_XSETREF(a->last[return_rule], Py_NewRef(found));
    return found;
}

/* The miss for ``path``: NotFound, or MethodNotAllowed when ``allowed`` (a frozenset) is not None. */
static PyObject *
raise_miss(FastMatch *m, PyObject *path, PyObject *method, PyObject *allowed)
{
    PyObject *exc = allowed == Py_None ? PyObject_CallOneArg(m->not_found, path)
                                       : PyObject_CallFunctionObjArgs(m->not_allowed, allowed, path, method, NULL);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* Whether (method, path) was seen recently: only then is its answer worth remembering. A path
 * seen once costs one slot of a fixed array (no allocation), so a scanner's paths or a flood of
 * unique ids never reach the table; one asked again soon (found in its set: the same 64-bit hash)
 * is remembered. Two requests with the same hash only remember an answer early. */
static int
seen_before(FastMatch *m, PyObject *path, PyObject *method)
{
    Py_hash_t path_hash = PyObject_Hash(path), method_hash = PyObject_Hash(method);
    if ((path_hash == -1 || method_hash == -1) && PyErr_Occurred()) {
        PyErr_Clear();  /* an unhashable method: nothing is remembered for it */
        return 0;
    }
    /* Mixed in unsigned arithmetic: wrapping is defined there (a signed overflow is undefined). */
    Py_uhash_t h = (Py_uhash_t)path_hash ^ ((Py_uhash_t)method_hash * 1000003U);
    Py_uhash_t *set = m->seen[(h ^ (h >> 23)) % SEEN_SETS];
    for (int k = 0; k < SEEN_WAYS; k++)
        if (set[k] == h)
            return 1;
    set[m->seen_turn++ % SEEN_WAYS] = h;
    return 0;
}

/* Put ``answer`` in the table of ``method``; a full table is emptied first (a flood of distinct
 * paths seen twice costs a clear per CACHE_SIZE of them, never memory). */
static int
store(FastMatch *m, PyObject *path, PyObject *method, PyObject *answer)
{
    PyObject *table = PyDict_GetItemWithError(m->cache, method);
    if (table == NULL) {
        if (PyErr_Occurred())
            return -1;
        table = PyDict_New();
        if (table == NULL)
            return -1;
        int failed = PyDict_SetItem(m->cache, method, table);
        Py_DECREF(table);  /* m->cache holds it */
        if (failed)
            return -1;
    } else if (PyDict_GET_SIZE(table) >= CACHE_SIZE)
        PyDict_Clear(table);
    return PyDict_SetItem(table, path, answer);
}

/* Remember a miss for (method, path), if seen before: None (404) or the frozenset of allowed
 * methods (405). Hits are remembered as an Answer (remember_hit). */
static int
remember(FastMatch *m, PyObject *path, PyObject *method, PyObject *answer)
{
    if (PyUnicode_GET_LENGTH(path) > CACHE_PATH_MAX || !seen_before(m, path, method))
        return 0;
    return store(m, path, method, answer);
}

/* A hit's answer ``made`` (a new reference, or NULL), remembered: returned, or NULL on an error. */
static PyObject *
remember_hit(FastMatch *m, PyObject *path, PyObject *method, PyObject *endpoint, PyObject *rule,
             PyObject *made, int return_rule)
{
    if (made == NULL || PyUnicode_GET_LENGTH(path) > CACHE_PATH_MAX || !seen_before(m, path, method))
        return made;
    PyObject *a = answer_new(endpoint, rule, made, return_rule);
    if (a == NULL || store(m, path, method, a) < 0)
        Py_CLEAR(made);
    Py_XDECREF(a);
    return made;
}

/* A static path's hit (endpoint, rule, defaults: a mapping or None). */
static PyObject *
static_hit(FastMatch *m, PyObject *path, PyObject *method, PyObject *hit, int return_rule)
{
    PyObject *defaults = PyTuple_GET_ITEM(hit, 2);
    int truth = defaults == Py_None ? 0 : PyObject_IsTrue(defaults);
    if (truth < 0)
        return NULL;
    PyObject *args = truth ? PyObject_CallOneArg((PyObject *)&PyDict_Type, defaults) : PyDict_New();
    if (args == NULL)
        return NULL;
    PyObject *made = PyTuple_Pack(2, PyTuple_GET_ITEM(hit, return_rule ? 1 : 0), args);
    Py_DECREF(args);
    return remember_hit(m, path, method, PyTuple_GET_ITEM(hit, 0), PyTuple_GET_ITEM(hit, 1), made, return_rule);
}

/* Whether the ASCII text holds "//" (the fallback's walk may redirect it). */
static int
has_double_slash(const char *s, Py_ssize_t len)
{
    const char *end = s + len;
    for (const char *p = s; (p = memchr(p, '/', (size_t)(end - p))) != NULL && p + 1 < end; p++)
        if (p[1] == '/')
            return 1;
    return 0;
}

/* The answer, or BAIL (borrowed) for the fallback, or NULL with the miss (or an error) raised. */
static PyObject *
fast_match(FastMatch *m, PyObject *path, PyObject *method, int return_rule)
{
    PyObject *table = PyDict_GetItemWithError(m->cache, method);
    if (table != NULL) {
        PyObject *answer = PyDict_GetItemWithError(table, path);
        if (answer != NULL) {
            /* held while used: an allocation may run a collection, and a finalizer this match */
            Py_INCREF(answer);
            PyObject *found = Py_IS_TYPE(answer, &AnswerType) ? answer_of((Answer *)answer, return_rule)
                                                              : raise_miss(m, path, method, answer);
            Py_DECREF(answer);
            return found;
        }
    }
    if (PyErr_Occurred())
        return NULL;
    PyObject *by_method = PyDict_GetItemWithError(m->statics, path);
    if (by_method != NULL) {
        PyObject *hit = PyDict_GetItemWithError(by_method, method);
        if (hit != NULL) {
            Py_INCREF(hit);
            PyObject *found = static_hit(m, path, method, hit, return_rule);
            Py_DECREF(hit);
            return found;
        }
    }
    if (PyErr_Occurred())
        return NULL;
    int known = PySet_Contains(m->methods, method);
    if (known <= 0)
        return known < 0 ? NULL : BAIL;
    if (!PyUnicode_IS_ASCII(path))
        return BAIL;  /* rare: the pure matcher walks it */
    Walk w = {method, return_rule, 0, NULL, NULL, path};
    const char *s = (const char *)PyUnicode_1BYTE_DATA(path);
    Py_ssize_t len = PyUnicode_GET_LENGTH(path);
    PyObject *found = BAIL;
    /* A normal path: one leading slash (anything else is normalised by the fallback's walk). */
    if (len >= 1 && s[0] == '/' && !(len >= 2 && s[1] == '/'))
        found = walk_ascii(m->root, path, s, len, 1, &w, 0, 0);
    if (found != NULL && found != BAIL && found != Py_None && w.hit != NULL) {
        found = remember_hit(m, path, method, PyTuple_GET_ITEM(w.hit, 5), PyTuple_GET_ITEM(w.hit, 0), found,
                             return_rule);
    } else if (found == Py_None) {
        /* A miss: decided here unless a converter must be asked or "//" may redirect. */
        if (w.unsure || has_double_slash(s, len)) {
            found = BAIL;
        } else {
            PyObject *allowed = w.allowed == NULL ? Py_NewRef(Py_None) : PyFrozenSet_New(w.allowed);
            if (allowed != NULL && remember(m, path, method, allowed) == 0)
                raise_miss(m, path, method, allowed);
            Py_XDECREF(allowed);
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
    self->cache = PyDict_New();
    if (self->cache == NULL) {
        Py_DECREF(self);
        return NULL;
    }
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
    Py_VISIT(self->cache);
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
    Py_CLEAR(self->cache);
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

static PyMethodDef module_methods[] = {
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "manypaths.routing._speedups",
    .m_doc = "The compiled hot path of route matching (see manypaths.routing.compiler).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&FastMatchType) < 0 || PyType_Ready(&AnswerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    BAIL = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
    KW_METHOD = PyUnicode_InternFromString("method");
    KW_RETURN_RULE = PyUnicode_InternFromString("return_rule");
    KW_QUERY_STRING = PyUnicode_InternFromString("query_string");
    GET = PyUnicode_InternFromString("GET");
    if (!BAIL || !KW_METHOD || !KW_RETURN_RULE || !KW_QUERY_STRING || !GET) {
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
