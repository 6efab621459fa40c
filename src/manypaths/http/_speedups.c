/* manypaths.http._speedups: the compiled parts of the App's fast answers.
 *
 * Encoder(fallback) is a callable: encoder(value) is the JSON text of value as ASCII bytes with a
 * final newline, exactly what manypaths.http.response.json_text(value).encode("ascii") gives
 * (compact separators, sorted keys, non-ASCII escaped as \uXXXX, NaN and the infinities as
 * NaN/Infinity/-Infinity) for the values views return most: dicts with str keys, lists, tuples,
 * str, int, float, bool and None (the exact types, nested up to MAX_DEPTH). Anything else (a
 * subclass, a date, a dataclass, a non-str key, deeper nesting) is written by fallback(value),
 * the Python encoder, which also raises the errors json.dumps raises. The walk calls no Python code
 * and allocates nothing the garbage collector tracks (no list, tuple or dict: a collection could run
 * a finalizer that changes the containers being read), so its borrowed references stay valid.
 *
 * view_headers(data, content_type, headers) is the header list of a fast answer whose view gave a
 * dict of headers (``return body, status, headers``): Content-Type, Content-Length and the view's
 * pairs, when every pair is plain text that passes Headers' checks, no name is one of those two
 * and no two names are alike; else None, and Python (manypaths.dispatch) merges and checks them.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stddef.h>

#define MAX_DEPTH 64
#define SMALL_DICT 32        /* keys sorted in a stack array up to this many; a list beyond */
#define STACK_BUFFER 512

/* Whether ``text`` is an exact str equal to the ASCII ``literal`` of length n (compared as bytes: a
 * generic comparison costs ~80 instructions, and the road makes them on every request). */
static int
is_ascii(PyObject *text, const char *literal, Py_ssize_t n)
{
    if (!PyUnicode_CheckExact(text))
        return 0;
#if PY_VERSION_HEX < 0x030C0000
    if (!PyUnicode_IS_READY(text))
        return PyUnicode_CompareWithASCIIString(text, literal) == 0;
#endif
    return PyUnicode_IS_ASCII(text) && PyUnicode_GET_LENGTH(text) == n
        && memcmp(PyUnicode_1BYTE_DATA(text), literal, (size_t)n) == 0;
}

/* What a write step says: done, or hand the whole value to the fallback, or an error is set. */
enum { WRITTEN = 0, HAND_OVER = 1, FAILED = -1 };

typedef struct {
    char *data;
    Py_ssize_t size, capacity;
    int on_heap;
} Buffer;

static int
reserve(Buffer *b, Py_ssize_t more)
{
    if (b->capacity - b->size >= more)
        return 0;
    if (more > PY_SSIZE_T_MAX / 2 - b->size) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t capacity = b->capacity * 2;
    if (capacity < b->size + more)
        capacity = b->size + more;
    char *data;
    if (b->on_heap) {
        data = PyMem_Realloc(b->data, (size_t)capacity);
    } else {
        data = PyMem_Malloc((size_t)capacity);
        if (data != NULL)
            memcpy(data, b->data, (size_t)b->size);
    }
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->capacity = capacity;
    b->on_heap = 1;
    return 0;
}

static int
put(Buffer *b, const char *text, Py_ssize_t n)
{
    if (reserve(b, n) < 0)
        return FAILED;
    memcpy(b->data + b->size, text, (size_t)n);
    b->size += n;
    return WRITTEN;
}

static const char HEX[] = "0123456789abcdef";

static char *
unicode_escape(char *out, Py_UCS4 c)
{
    *out++ = '\\';
    *out++ = 'u';
    *out++ = HEX[(c >> 12) & 0xf];
    *out++ = HEX[(c >> 8) & 0xf];
    *out++ = HEX[(c >> 4) & 0xf];
    *out++ = HEX[c & 0xf];
    return out;
}

/* The width of each ASCII character in a JSON string: printable as itself (1), the short escapes
 * JSON names (2), any other control character as \uXXXX (6). */
static const unsigned char ASCII_WIDTH[128] = {
    6, 6, 6, 6, 6, 6, 6, 6, 2, 2, 2, 6, 2, 2, 6, 6,  /* \b \t \n \f \r */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* " */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1,  /* \\ */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 6,  /* DEL */
};

/* One character that is not printable ASCII, or is " or \, escaped. */
static char *
escape_char(char *out, Py_UCS4 c)
{
    switch (c) {
    case '"': *out++ = '\\'; *out++ = '"'; break;
    case '\\': *out++ = '\\'; *out++ = '\\'; break;
    case '\b': *out++ = '\\'; *out++ = 'b'; break;
    case '\f': *out++ = '\\'; *out++ = 'f'; break;
    case '\n': *out++ = '\\'; *out++ = 'n'; break;
    case '\r': *out++ = '\\'; *out++ = 'r'; break;
    case '\t': *out++ = '\\'; *out++ = 't'; break;
    default:
        if (c >= 0x10000) {
            c -= 0x10000;
            out = unicode_escape(out, 0xd800 | (c >> 10));
            out = unicode_escape(out, 0xdc00 | (c & 0x3ff));
        } else {
            out = unicode_escape(out, c);
        }
    }
    return out;
}

/* A str as a JSON string: printable ASCII as itself, the short escapes JSON names, anything else
 * as \uXXXX (a surrogate pair above the BMP). The exact size is counted first (no buffer many
 * times the text); an ASCII text without a character to escape, the common case, is one copy. */
static int
write_str(Buffer *b, PyObject *s)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), size = 2;
    if (n > (PY_SSIZE_T_MAX - 2) / 12) {  /* (no character is wider than 12) */
        PyErr_NoMemory();
        return FAILED;
    }
    if (PyUnicode_IS_ASCII(s)) {
        const Py_UCS1 *p = PyUnicode_1BYTE_DATA(s);
        for (Py_ssize_t i = 0; i < n; i++)
            size += ASCII_WIDTH[p[i]];
        if (reserve(b, size) < 0)
            return FAILED;
        char *out = b->data + b->size;
        *out++ = '"';
        if (size == n + 2) {
            memcpy(out, p, (size_t)n);
            out += n;
        } else {
            for (Py_ssize_t i = 0; i < n; i++) {
                if (ASCII_WIDTH[p[i]] == 1)
                    *out++ = (char)p[i];
                else
                    out = escape_char(out, p[i]);
            }
        }
        *out++ = '"';
        b->size = out - b->data;
        return WRITTEN;
    }
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        size += c < 128 ? ASCII_WIDTH[c] : c >= 0x10000 ? 12 : 6;
    }
    if (reserve(b, size) < 0)
        return FAILED;
    char *out = b->data + b->size;
    *out++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 128 && ASCII_WIDTH[c] == 1)
            *out++ = (char)c;
        else
            out = escape_char(out, c);
    }
    *out++ = '"';
    b->size = out - b->data;
    return WRITTEN;
}

static int
write_int(Buffer *b, PyObject *v)
{
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow == 0) {
        if (x == -1 && PyErr_Occurred())
            return FAILED;
        char digits[24], *end = digits + sizeof digits, *p = end;
        unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (x < 0)
            *--p = '-';
        return put(b, p, end - p);
    }
    return HAND_OVER;  /* a big int: str() and its digit limit are the fallback's */
}

static int
write_float(Buffer *b, PyObject *v)
{
    double x = PyFloat_AS_DOUBLE(v);
    if (!isfinite(x)) {
        if (isnan(x))
            return put(b, "NaN", 3);
        return x > 0 ? put(b, "Infinity", 8) : put(b, "-Infinity", 9);
    }
    char *text = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);  /* float's repr */
    if (text == NULL)
        return FAILED;
    int result = put(b, text, (Py_ssize_t)strlen(text));
    PyMem_Free(text);
    return result;
}

static int write_value(Buffer *b, PyObject *v, int depth);

static int
write_items(Buffer *b, PyObject *const *items, Py_ssize_t n, int depth)
{
    if (put(b, "[", 1) < 0)
        return FAILED;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i && put(b, ",", 1) < 0)
            return FAILED;
        int r = write_value(b, items[i], depth);
        if (r != WRITTEN)
            return r;
    }
    return put(b, "]", 1);
}

/* key < other for two exact str (code point order, as sorted() orders them). */
static int
less(PyObject *key, PyObject *other)
{
    return PyUnicode_Compare(key, other) < 0;
}

typedef struct {
    PyObject *key, *value;
} Item;

static int
compare_items(const void *a, const void *b)
{
    return PyUnicode_Compare(((const Item *)a)->key, ((const Item *)b)->key);  /* exact str: cannot fail */
}

static int
write_sorted(Buffer *b, PyObject **keys, PyObject **values, Py_ssize_t n, int depth)
{
    if (put(b, "{", 1) < 0)
        return FAILED;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i && put(b, ",", 1) < 0)
            return FAILED;
        int r = write_str(b, keys[i]);
        if (r == WRITTEN)
            r = put(b, ":", 1);
        if (r == WRITTEN)
            r = write_value(b, values[i], depth);
        if (r != WRITTEN)
            return r;
    }
    return put(b, "}", 1);
}

static int
write_dict(Buffer *b, PyObject *dict, int depth)
{
    Py_ssize_t n = PyDict_GET_SIZE(dict), pos = 0, i = 0;
    PyObject *key, *value;
    if (n == 0)
        return put(b, "{}", 2);
    if (n > SMALL_DICT) {
        /* Sorted in a PyMem array (not a list: an object the garbage collector tracks could start
         * a collection, and a finalizer could change the dicts and lists being written). */
        Item *items = PyMem_Malloc((size_t)n * sizeof(Item));
        if (items == NULL) {
            PyErr_NoMemory();
            return FAILED;
        }
        while (PyDict_Next(dict, &pos, &key, &value)) {
            if (!PyUnicode_CheckExact(key)) {
                PyMem_Free(items);
                return HAND_OVER;
            }
            items[i].key = key;
            items[i++].value = value;
        }
        qsort(items, (size_t)n, sizeof(Item), compare_items);
        int r = put(b, "{", 1);
        for (i = 0; i < n && r == WRITTEN; i++) {
            if (i)
                r = put(b, ",", 1);
            if (r == WRITTEN)
                r = write_str(b, items[i].key);
            if (r == WRITTEN)
                r = put(b, ":", 1);
            if (r == WRITTEN)
                r = write_value(b, items[i].value, depth);
        }
        PyMem_Free(items);
        return r == WRITTEN ? put(b, "}", 1) : r;
    }
    PyObject *keys[SMALL_DICT], *values[SMALL_DICT];
    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (!PyUnicode_CheckExact(key))
            return HAND_OVER;  /* non-str keys: json's own conversion and errors */
        /* Insertion sort: small dicts, already sorted more often than not. */
        Py_ssize_t j = i++;
        while (j > 0 && less(key, keys[j - 1])) {
            keys[j] = keys[j - 1];
            values[j] = values[j - 1];
            j--;
        }
        keys[j] = key;
        values[j] = value;
    }
    return write_sorted(b, keys, values, n, depth);
}

static int
write_value(Buffer *b, PyObject *v, int depth)
{
    PyTypeObject *type = Py_TYPE(v);
    if (type == &PyUnicode_Type)
        return write_str(b, v);
    if (v == Py_None)
        return put(b, "null", 4);
    if (v == Py_True)
        return put(b, "true", 4);
    if (v == Py_False)
        return put(b, "false", 5);
    if (type == &PyLong_Type)
        return write_int(b, v);
    if (type == &PyFloat_Type)
        return write_float(b, v);
    if (depth >= MAX_DEPTH)
        return HAND_OVER;
    if (type == &PyDict_Type)
        return write_dict(b, v, depth + 1);
    if (type == &PyList_Type)
        return write_items(b, ((PyListObject *)v)->ob_item, PyList_GET_SIZE(v), depth + 1);
    if (type == &PyTuple_Type)
        return write_items(b, ((PyTupleObject *)v)->ob_item, PyTuple_GET_SIZE(v), depth + 1);
    return HAND_OVER;
}

typedef struct {
    PyObject_HEAD
    PyObject *fallback;
    vectorcallfunc vectorcall;
} Encoder;

static PyObject *
encoder_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (PyVectorcall_NARGS(nargsf) != 1 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames))) {
        PyErr_SetString(PyExc_TypeError, "Encoder(value) takes exactly one positional argument");
        return NULL;
    }
    char stack[STACK_BUFFER];
    Buffer b = {stack, 0, STACK_BUFFER, 0};
    int r = write_value(&b, args[0], 0);
    if (r == WRITTEN)
        r = put(&b, "\n", 1);
    PyObject *result = NULL;
    if (r == WRITTEN)
        result = PyBytes_FromStringAndSize(b.data, b.size);
    if (b.on_heap)
        PyMem_Free(b.data);
    if (r == HAND_OVER) {
        PyObject *fallback = ((Encoder *)self)->fallback;
        if (fallback == NULL) {
            PyErr_SetString(PyExc_RuntimeError, "Encoder: no fallback (cleared)");
            return NULL;
        }
        return PyObject_CallOneArg(fallback, args[0]);
    }
    return result;
}

static PyObject *
encoder_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *fallback;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs)) {
        PyErr_SetString(PyExc_TypeError, "Encoder(fallback) takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "Encoder", 1, 1, &fallback))
        return NULL;
    if (!PyCallable_Check(fallback)) {
        PyErr_SetString(PyExc_TypeError, "Encoder(fallback): fallback must be callable");
        return NULL;
    }
    Encoder *self = (Encoder *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    Py_INCREF(fallback);
    self->fallback = fallback;
    self->vectorcall = encoder_vectorcall;
    return (PyObject *)self;
}

static int
encoder_traverse(Encoder *self, visitproc visit, void *arg)
{
    Py_VISIT(self->fallback);
    return 0;
}

static int
encoder_clear(Encoder *self)
{
    Py_CLEAR(self->fallback);
    return 0;
}

static void
encoder_dealloc(Encoder *self)
{
    PyObject_GC_UnTrack(self);
    encoder_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
encoder_get_fallback(Encoder *self, void *closure)
{
    return Py_NewRef(self->fallback != NULL ? self->fallback : Py_None);
}

static PyGetSetDef encoder_getset[] = {
    {"fallback", (getter)encoder_get_fallback, NULL, "What writes the values this one hands over.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject EncoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "manypaths.http._speedups.Encoder",
    .tp_basicsize = sizeof(Encoder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Encoder(fallback): encoder(value) is value's compact, sorted, ASCII JSON text and a newline, as bytes.",
    .tp_new = encoder_new,
    .tp_dealloc = (destructor)encoder_dealloc,
    .tp_traverse = (traverseproc)encoder_traverse,
    .tp_clear = (inquiry)encoder_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Encoder, vectorcall),
    .tp_getset = encoder_getset,
};

/* Whether ``name`` equals the lower-case ASCII ``lower`` of length n, ignoring ASCII case. */
static int
same_name(const Py_UCS1 *name, Py_ssize_t size, const char *lower, Py_ssize_t n)
{
    if (size != n)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (Py_UCS1)(c + 32);
        if (c != (Py_UCS1)lower[i])
            return 0;
    }
    return 1;
}

static int
alike(PyObject *a, PyObject *b)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    if (n != PyUnicode_GET_LENGTH(b))
        return 0;
    const Py_UCS1 *x = PyUnicode_1BYTE_DATA(a), *y = PyUnicode_1BYTE_DATA(b);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = x[i], d = y[i];
        if (c >= 'A' && c <= 'Z')
            c = (Py_UCS1)(c + 32);
        if (d >= 'A' && d <= 'Z')
            d = (Py_UCS1)(d + 32);
        if (c != d)
            return 0;
    }
    return 1;
}

/* A header name Headers' checks let through: ASCII, not empty, no CR, LF, NUL or colon. */
static int
plain_name(PyObject *name)
{
    if (!PyUnicode_CheckExact(name) || !PyUnicode_IS_ASCII(name))
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(name);
    const Py_UCS1 *p = PyUnicode_1BYTE_DATA(name);
    if (n == 0)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0' || p[i] == ':')
            return 0;
    return !same_name(p, n, "content-type", 12) && !same_name(p, n, "content-length", 14);
}

/* A header value Headers' checks let through: a str of latin-1 characters, no CR, LF or NUL. */
static int
plain_value(PyObject *value)
{
    if (!PyUnicode_CheckExact(value) || PyUnicode_KIND(value) != PyUnicode_1BYTE_KIND)
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    const Py_UCS1 *p = PyUnicode_1BYTE_DATA(value);
    for (Py_ssize_t i = 0; i < n; i++)
        if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
            return 0;
    return 1;
}

static PyObject *CONTENT_TYPE, *CONTENT_LENGTH, *HTML, *JSON;

#define MAX_VIEW_HEADERS 16

static PyObject *
pair(PyObject *a, PyObject *b)
{
    PyObject *t = PyTuple_New(2);
    if (t == NULL)
        return NULL;
    Py_INCREF(a);
    Py_INCREF(b);
    PyTuple_SET_ITEM(t, 0, a);
    PyTuple_SET_ITEM(t, 1, b);
    return t;
}

/* str(n), a Content-Length's text: kept for the lengths below 1024 (made once each). */
static PyObject *LENGTHS[1024];

static PyObject *
length_text(Py_ssize_t n)
{
    if (n < 1024) {
        if (LENGTHS[n] == NULL && (LENGTHS[n] = PyUnicode_FromFormat("%zd", n)) == NULL)
            return NULL;
        return Py_NewRef(LENGTHS[n]);
    }
    return PyUnicode_FromFormat("%zd", n);
}

/* The header pairs every fast answer starts with are made once and shared (tuples of str: nobody
 * can change them; the lists that hold them are new for each answer). (name, str(n)) is kept for
 * the lengths below 1024 under two header names (the drivers spell Content-Length two ways);
 * (name, content type) in eight slots by the two objects (the content types are a handful). */
static PyObject *LENGTH_NAMES[2], *LENGTH_PAIRS[2][1024], *TYPE_PAIRS[8];

static PyObject *
length_pair(PyObject *name, Py_ssize_t n)
{
    int kept = -1;
    for (int i = 0; i < 2 && n >= 0 && n < 1024; i++) {
        if (LENGTH_NAMES[i] == NULL)
            LENGTH_NAMES[i] = Py_NewRef(name);
        if (LENGTH_NAMES[i] == name) {
            if (LENGTH_PAIRS[i][n] != NULL)
                return Py_NewRef(LENGTH_PAIRS[i][n]);
            kept = i;
            break;
        }
    }
    PyObject *text = length_text(n);
    if (text == NULL)
        return NULL;
    PyObject *made = pair(name, text);
    Py_DECREF(text);
    if (made != NULL && kept >= 0)
        LENGTH_PAIRS[kept][n] = Py_NewRef(made);
    return made;
}

static PyObject *
type_pair(PyObject *name, PyObject *content_type)
{
    PyObject **slot = &TYPE_PAIRS[(((uintptr_t)name ^ (uintptr_t)content_type) >> 4) & 7];
    if (*slot != NULL && PyTuple_GET_ITEM(*slot, 0) == name && PyTuple_GET_ITEM(*slot, 1) == content_type)
        return Py_NewRef(*slot);
    PyObject *made = pair(name, content_type);
    if (made != NULL)
        Py_XSETREF(*slot, Py_NewRef(made));
    return made;
}

/* A view's header pair that passed the checks below, kept in sixteen slots by the two objects (a
 * view's constant header names and values are the same objects from one call to the next): the
 * pair, already checked, is shared. Kept only for values up to 256 characters that something else
 * holds too (see header_list). */
static PyObject *VIEW_PAIRS[16];

static PyObject **
view_pair_slot(PyObject *name, PyObject *value)
{
    return &VIEW_PAIRS[(((uintptr_t)name >> 4) ^ ((uintptr_t)value >> 3)) & 15];
}

/* The kept pair of these very two objects (borrowed), or NULL. */
static PyObject *
kept_pair(PyObject *name, PyObject *value)
{
    PyObject *kept = *view_pair_slot(name, value);
    return kept != NULL && PyTuple_GET_ITEM(kept, 0) == name && PyTuple_GET_ITEM(kept, 1) == value ? kept : NULL;
}

/* The header list of a fast answer (see view_headers), a new reference; Py_None (a new reference)
 * when Python must check and merge the dict; NULL on an error. */
static PyObject *
header_list(PyObject *data, PyObject *content_type, PyObject *headers)
{
    Py_ssize_t n = PyDict_GET_SIZE(headers), pos = 0, i = 0;
    if (n > MAX_VIEW_HEADERS)
        Py_RETURN_NONE;
    PyObject *names[MAX_VIEW_HEADERS], *values[MAX_VIEW_HEADERS], *key, *value;
    while (PyDict_Next(headers, &pos, &key, &value)) {
        if (i == n)
            Py_RETURN_NONE;
        if (kept_pair(key, value) == NULL && (!plain_name(key) || !plain_value(value)))
            Py_RETURN_NONE;
        for (Py_ssize_t j = 0; j < i; j++)
            if (alike(names[j], key))
                Py_RETURN_NONE;
        names[i] = key;
        values[i++] = value;
    }
    if (i != n)
        Py_RETURN_NONE;
    /* (held: making the list and pairs may start a collection, whose finalizers may change the dict) */
    for (i = 0; i < n; i++) {
        Py_INCREF(names[i]);
        Py_INCREF(values[i]);
    }
    PyObject *list = PyList_New(2 + n), *item;
    if (list == NULL)
        goto done;
    if ((item = type_pair(CONTENT_TYPE, content_type)) == NULL)
        goto error;
    PyList_SET_ITEM(list, 0, item);
    if ((item = length_pair(CONTENT_LENGTH, PyBytes_GET_SIZE(data))) == NULL)
        goto error;
    PyList_SET_ITEM(list, 1, item);
    for (i = 0; i < n; i++) {
        PyObject *kept = kept_pair(names[i], values[i]);  /* (again: a collection may have run since) */
        if (kept != NULL) {
            item = Py_NewRef(kept);
        } else {
            /* Kept only when something beyond the dict and this hold has the name and value too (a
             * constant of the view's code, an interned name): a value made for this request alone (a
             * cookie, a token) is not kept past it. */
            int keep = PyUnicode_GET_LENGTH(values[i]) <= 256 && Py_REFCNT(values[i]) > 2 && Py_REFCNT(names[i]) > 2;
            if ((item = pair(names[i], values[i])) == NULL)
                goto error;
            if (keep)
                Py_XSETREF(*view_pair_slot(names[i], values[i]), Py_NewRef(item));
        }
        PyList_SET_ITEM(list, 2 + i, item);
    }
    goto done;
error:
    Py_CLEAR(list);
done:
    for (i = 0; i < n; i++) {
        Py_DECREF(names[i]);
        Py_DECREF(values[i]);
    }
    return list;
}

static PyObject *
view_headers(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyBytes_CheckExact(args[0]) || !PyUnicode_CheckExact(args[1]) || !PyDict_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "view_headers(data: bytes, content_type: str, headers: dict)");
        return NULL;
    }
    return header_list(args[0], args[1], args[2]);
}

/* A body's bytes and content type for a fast answer: 1 done, 0 Python's (its encoding, its
 * errors), -1 an error. */
static int
body_bytes(PyObject *body, int json, PyObject **data, PyObject **content_type)
{
    PyTypeObject *type = Py_TYPE(body);
    if (type == &PyUnicode_Type) {
        if (PyUnicode_IS_ASCII(body)) {
            *data = PyBytes_FromStringAndSize((const char *)PyUnicode_1BYTE_DATA(body), PyUnicode_GET_LENGTH(body));
        } else {
            *data = PyUnicode_AsUTF8String(body);
            if (*data == NULL) {  /* a lone surrogate: Python raises it where make_response would */
                PyErr_Clear();
                return 0;
            }
        }
        *content_type = HTML;
        return *data == NULL ? -1 : 1;
    }
    if (type == &PyBytes_Type) {
        Py_INCREF(body);
        *data = body;
        *content_type = HTML;
        return 1;
    }
    if (json && (type == &PyDict_Type || type == &PyList_Type)) {
        char stack[STACK_BUFFER];
        Buffer b = {stack, 0, STACK_BUFFER, 0};
        int r = write_value(&b, body, 0);
        if (r == WRITTEN)
            r = put(&b, "\n", 1);
        *data = r == WRITTEN ? PyBytes_FromStringAndSize(b.data, b.size) : NULL;
        if (b.on_heap)
            PyMem_Free(b.data);
        if (r == HAND_OVER)
            return 0;
        *content_type = JSON;
        return *data == NULL ? -1 : 1;
    }
    return 0;
}

/* tuple_answer(rv, fast_status, json): the fast answer of a view's tuple (see dispatch.finish). */
static PyObject *tuple_answer_of(PyObject *rv, PyObject *fast_status, PyObject *lines, int json);

static PyObject *
tuple_answer(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyDict_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "tuple_answer(rv, fast_status: dict, json: bool)");
        return NULL;
    }
    int json = PyObject_IsTrue(args[2]);
    if (json < 0)
        return NULL;
    return tuple_answer_of(args[0], args[1], NULL, json);
}

/* (lines: the status lines by code, a tuple made by status_lines, read instead of fast_status) */
static PyObject *
tuple_answer_of(PyObject *rv, PyObject *fast_status, PyObject *lines, int json)
{
    PyObject *body, *code, *headers = Py_None, *data, *content_type;
    if (!PyTuple_CheckExact(rv))
        Py_RETURN_NONE;
    Py_ssize_t n = PyTuple_GET_SIZE(rv);
    if (n == 2) {
        body = PyTuple_GET_ITEM(rv, 0);
        code = PyTuple_GET_ITEM(rv, 1);
        if (PyDict_CheckExact(code)) {
            headers = code;
            code = NULL;
        }
    } else if (n == 3) {
        body = PyTuple_GET_ITEM(rv, 0);
        code = PyTuple_GET_ITEM(rv, 1);
        headers = PyTuple_GET_ITEM(rv, 2);
    } else {
        Py_RETURN_NONE;
    }
    if (headers != Py_None && !PyDict_CheckExact(headers))
        Py_RETURN_NONE;
    if (code == NULL) {
        code = PyLong_FromLong(200);  /* a small int: cached, cannot fail */
        if (code == NULL)
            return NULL;
    } else if (PyLong_CheckExact(code)) {
        Py_INCREF(code);
    } else {
        Py_RETURN_NONE;
    }
    int known;
    if (lines != NULL) {
        long value = PyLong_AsLong(code);  /* (an exact int: -1 with an error only past a long) */
        if (value == -1 && PyErr_Occurred())
            PyErr_Clear();
        known = value >= 0 && value < PyTuple_GET_SIZE(lines) && PyTuple_GET_ITEM(lines, value) != Py_None;
    } else {
        known = PyDict_Contains(fast_status, code);
    }
    if (known <= 0) {
        Py_DECREF(code);
        return known < 0 ? NULL : Py_NewRef(Py_None);
    }
    int r = body_bytes(body, json, &data, &content_type);
    if (r <= 0) {
        Py_DECREF(code);
        return r < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *answer;
    if (headers == Py_None || PyDict_GET_SIZE(headers) == 0) {
        answer = PyTuple_New(3);
        if (answer != NULL) {
            PyTuple_SET_ITEM(answer, 0, data);
            Py_INCREF(content_type);
            PyTuple_SET_ITEM(answer, 1, content_type);
            PyTuple_SET_ITEM(answer, 2, code);
            return answer;
        }
    } else {
        PyObject *list = header_list(data, content_type, headers);
        if (list == Py_None) {
            Py_DECREF(list);
            Py_DECREF(data);
            Py_DECREF(code);
            Py_RETURN_NONE;
        }
        answer = list == NULL ? NULL : PyTuple_New(4);
        if (answer != NULL) {
            PyTuple_SET_ITEM(answer, 0, data);
            Py_INCREF(Py_None);
            PyTuple_SET_ITEM(answer, 1, Py_None);
            PyTuple_SET_ITEM(answer, 2, code);
            PyTuple_SET_ITEM(answer, 3, list);
            return answer;
        }
        Py_XDECREF(list);
    }
    Py_DECREF(data);
    Py_DECREF(code);
    return NULL;
}

/* use_content_types(html, json): the content type objects of fast answers (dispatch.HTML and
 * dispatch.JSON: the drivers tell them apart by identity). */
static PyObject *
use_content_types(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_CheckExact(args[0]) || !PyUnicode_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "use_content_types(html: str, json: str)");
        return NULL;
    }
    Py_INCREF(args[0]);
    Py_INCREF(args[1]);
    Py_SETREF(HTML, args[0]);
    Py_SETREF(JSON, args[1]);
    Py_RETURN_NONE;
}

/* fallback(self, *args, **kwargs) for a compiled method's call (vectorcall arguments). */
static PyObject *
call_with_self(PyObject *fallback, PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Py_ssize_t total = nargs + (kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames));
    PyObject *small[8], **stack = small;
    if (total + 1 > 8) {
        stack = PyMem_Malloc((size_t)(total + 1) * sizeof(PyObject *));
        if (stack == NULL)
            return PyErr_NoMemory();
    }
    stack[0] = self;
    for (Py_ssize_t i = 0; i < total; i++)
        stack[i + 1] = args[i];
    Py_INCREF(fallback);
    PyObject *r = PyObject_Vectorcall(fallback, stack, nargs + 1, kwnames);
    Py_DECREF(fallback);
    if (stack != small)
        PyMem_Free(stack);
    return r;
}

/* The body of a Response(text) made by response_init and not touched since (its instance dict is
 * exactly {"_text": text}): response_answer gives (bytes, HTML), the fast answer of the text. */
static PyObject *TEXT_NAME, *INIT_FALLBACK, *RESPONSE_TYPE;

/* Whether Response(text) may keep the text as it is: it has a UTF-8 form (made and cached by the str
 * now, so that the headers made later cannot fail). A lone surrogate has none: the Python
 * __init__ raises it (no exception is left set here). */
static int
keepable(PyObject *text)
{
    if (PyUnicode_IS_ASCII(text) || PyUnicode_AsUTF8AndSize(text, NULL) != NULL)
        return 1;
    PyErr_Clear();
    return 0;
}

static PyObject *
response_init(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs == 1 && kwnames == NULL && PyUnicode_CheckExact(args[0]) && (PyObject *)Py_TYPE(self) == RESPONSE_TYPE) {
        /* Response(text), of Response itself (a subclass may read its attributes its own way):
         * the text kept (its UTF-8 made and cached by the str now, so that the headers made
         * later cannot fail); a lone surrogate goes the Python way, which raises. */
        if (keepable(args[0]))
            return PyObject_SetAttr(self, TEXT_NAME, args[0]) < 0 ? NULL : Py_NewRef(Py_None);
    }
    if (INIT_FALLBACK == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Response.__init__: bind_response_init was not called");
        return NULL;
    }
    return call_with_self(INIT_FALLBACK, self, args, nargs, kwnames);
}

static PyMethodDef response_init_def = {
    "__init__", (PyCFunction)(void (*)(void))response_init, METH_FASTCALL | METH_KEYWORDS,
    "Response(text) keeps the text; any other arguments go to the Python __init__."};

/* Response(...) itself, the call of the type (its tp_vectorcall, set by bind_response_init): while
 * Response.__init__ is response_init's descriptor and __new__ is object's, Response(text) is made
 * here as __init__ would make it, without the argument tuple, type.__call__ and the __init__ lookup
 * and call between; every other call (other arguments, a text without a UTF-8 form, an __init__ or
 * __new__ set since) is type.__call__'s. (A subclass never comes here: tp_vectorcall is not
 * inherited.) */
static PyObject *INIT_DESCR, *INIT_NAME, *NEW_NAME, *OBJECT_NEW;
static unsigned int CHECKED_TAG;  /* Response's type version when both were last found so (0: none) */

/* Whether Response's __init__ is response_init's descriptor, its __new__ object's and its
 * __setattr__ object's (its attributes set by PyObject_GenericSetAttr): looked up
 * when the type (or a base) has changed since it was last found so, which changes its version. */
static int
response_kept(PyTypeObject *tp)
{
    if (CHECKED_TAG != 0 && tp->tp_version_tag == CHECKED_TAG && PyType_HasFeature(tp, Py_TPFLAGS_VALID_VERSION_TAG))
        return 1;
    CHECKED_TAG = 0;
    if (_PyType_Lookup(tp, INIT_NAME) != INIT_DESCR || _PyType_Lookup(tp, NEW_NAME) != OBJECT_NEW
            || tp->tp_setattro != PyObject_GenericSetAttr)
        return 0;
    if (PyType_HasFeature(tp, Py_TPFLAGS_VALID_VERSION_TAG))  /* (the lookups give it one) */
        CHECKED_TAG = tp->tp_version_tag;
    return 1;
}

static PyObject *
response_new(PyObject *type, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyTypeObject *tp = (PyTypeObject *)type;
    if (nargs == 1 && kwnames == NULL && PyUnicode_CheckExact(args[0]) && type == RESPONSE_TYPE && response_kept(tp)) {
        if (keepable(args[0])) {
            PyObject *self = tp->tp_alloc(tp, 0), *dict = self == NULL ? NULL : PyDict_New();
            if (dict == NULL || PyDict_SetItem(dict, TEXT_NAME, args[0]) < 0 || PyObject_GenericSetDict(self, dict, NULL) < 0)
                Py_CLEAR(self);
            Py_XDECREF(dict);
            return self;
        }
    }
    Py_ssize_t named = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    PyObject *positional = PyTuple_New(nargs), *keywords = named ? PyDict_New() : NULL, *made = NULL;
    if (positional == NULL || (named && keywords == NULL))
        goto done;
    for (Py_ssize_t i = 0; i < nargs; i++)
        PyTuple_SET_ITEM(positional, i, Py_NewRef(args[i]));
    for (Py_ssize_t i = 0; i < named; i++)
        if (PyDict_SetItem(keywords, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0)
            goto done;
    made = PyType_Type.tp_call(type, positional, keywords);
done:
    Py_XDECREF(positional);
    Py_XDECREF(keywords);
    return made;
}

/* bind_response_init(cls, fallback): cls.__init__ becomes a method descriptor of response_init
 * above, which hands every call but Response(text) to fallback, the Python __init__, and calls of
 * cls itself go through response_new. The descriptor is returned. */
static PyObject *
bind_response_init(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyType_Check(args[0]) || !PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "bind_response_init(cls: type, fallback: callable)");
        return NULL;
    }
    PyObject *descr = PyDescr_NewMethod((PyTypeObject *)args[0], &response_init_def);
    if (descr == NULL || PyObject_SetAttr(args[0], INIT_NAME, descr) < 0) {
        Py_XDECREF(descr);
        return NULL;
    }
    Py_INCREF(args[1]);
    Py_XSETREF(INIT_FALLBACK, args[1]);
    Py_INCREF(args[0]);
    Py_XSETREF(RESPONSE_TYPE, args[0]);
    Py_INCREF(descr);
    Py_XSETREF(INIT_DESCR, descr);
    ((PyTypeObject *)args[0])->tp_vectorcall = response_new;  /* (after the __init__ set: never reset) */
    return descr;
}

static PyObject *
response_answer(PyObject *module, PyObject *rv)
{
    PyObject *dict = PyObject_GenericGetDict(rv, NULL), *key, *text, *data, *content_type;
    if (dict == NULL)
        return NULL;
    Py_ssize_t at = 0;  /* its one item, "_text" (the interned name both __init__s set) */
    if (PyDict_GET_SIZE(dict) != 1 || !PyDict_Next(dict, &at, &key, &text) || key != TEXT_NAME
            || !PyUnicode_CheckExact(text)) {
        Py_DECREF(dict);
        Py_RETURN_NONE;
    }
    Py_INCREF(text);
    Py_DECREF(dict);
    /* (Either __init__ keeps only text with a UTF-8 form: body_bytes' "Python's" cannot happen.) */
    int r = body_bytes(text, 0, &data, &content_type);
    Py_DECREF(text);
    if (r <= 0)
        return r < 0 ? NULL : Py_NewRef(Py_None);
    PyObject *answer = PyTuple_New(2);
    if (answer == NULL) {
        Py_DECREF(data);
        return NULL;
    }
    PyTuple_SET_ITEM(answer, 0, data);
    PyTuple_SET_ITEM(answer, 1, Py_NewRef(content_type));
    return answer;
}

/* Road: the compiled road of a request through an App whose road (dispatch.decide) is the plainest
 * one: no hooks, middleware, CORS, compression, teardown, trusted proxies or hosts, body limit, and
 * the stock Request and Response. With the access log on, ``clock`` (time.perf_counter) notes the
 * request's start in the environ as begin does, and no compiled tail answers whole: the drivers'
 * Python tails write the line (dispatch.logged). road(environ) is what a driver's
 *     request = begin(app, environ); answer = finish(app, request, app._view_value(request, False))
 * with ``except Exception as e: answer = app.handle_exception(e)`` gives: (request, answer), the
 * request current (the driver ends it). road(environ, True), for the async drivers, leaves a view's
 * coroutine for the driver to await: (request, coroutine). road(environ, False, True), for Lambda
 * (wsgi.whole), takes a lazy environ too: a dict subclass that holds the request line (PATH_INFO,
 * REQUEST_METHOD) and answers every other key through its own get (platforms/aws.py's pending
 * environ), so the road reads nothing else of it but by its get. It is taken for an exact dict
 * environ (or such a lazy one), a plain path (plain_path) and GET or HEAD, while App.request_class
 * is the Request it was built with; else it answers None before anything is done, and the driver
 * takes the Python road.
 * Inside, a hit of the route map calls the view and makes the fast answer of a str, bytes, dict,
 * list or tuple; everything else is handed to the Python code itself at the point it arises: a miss
 * other than the plain 404 page, a redirect or anything unusual about the match to
 * App._view_value (which matches again: matching has no side effects), a view not found or an
 * unusual view_args or a typed view (its endpoint in ``typed``) to dispatch_request, a coroutine to settle (dispatch.settle), any other value
 * or a post-view request to dispatch.finish, an exception to App.handle_user_exception and
 * App.handle_exception, called as an ``except`` block would call them (the exception is the one
 * being handled: sys.exc_info(), a new exception's __context__). */

typedef struct {
    PyObject_HEAD
    PyObject *app, *request_type, *var, *fast_status, *lines, *not_found, *page;
    PyObject *view_value, *finish, *dispatch, *settle, *coroutine, *typed, *clock;
    int json, miss_page;
    vectorcallfunc vectorcall;
} Road;

static PyObject *S_ENVIRON, *S_CACHE, *S_APP, *S_POST_VIEW, *S_TOKEN, *S_PATH,
    *S_REQUEST_CLASS, *S_URL_MAP, *S_MATCH, *S_URL_RULE, *S_VIEW_ARGS, *S_ENDPOINT, *S_DEFAULT_REDIRECTS,
    *S_VIEW_FUNCTIONS, *S_PATH_INFO, *S_REQUEST_METHOD, *S_HTTP_ACCEPT, *S_JSON_WORD, *S_HANDLE_USER,
    *S_HANDLE, *S_RETURN_RULE, *KW_RETURN_RULE, *EMPTY_TUPLE, *CODE_404;

/* App.__call__, compiled (bind_call): app(environ, start_response), what every WSGI server calls, is
 * self.wsgi_app(environ, start_response) (looked up as Python would: a middleware set on the
 * instance is called) without the Python frame between; every other call (ASGI's app(scope,
 * receive, send) and app(scope), keywords) goes to the Python __call__.
 * When self.wsgi_app is App's own (WSGI_ENTRY, wsgi.wsgi_app) and the app has a compiled road, it
 * is what wsgi_app does, without its frames: the road, then (wsgi.respond's work) a fast answer
 * sent through start_response and the request ended; an answer with more to do at the end (a
 * Response, a form read, the test client's preserved context) goes to WSGI_REST (wsgi.respond). */
static PyObject *S_WSGI_APP, *S_ROAD, *S_FORM, *S_PRESERVE, *S_STATUS_200, *S_HEADER_TYPE, *S_HEADER_LENGTH,
    *S_HEAD, *S_GET, *S_STARTED, *CALL_FALLBACK, *WSGI_ENTRY, *WSGI_REST;
static PyTypeObject RoadType;
static PyObject *road_call(PyObject *op, PyObject *const *args, size_t nargsf, PyObject *kwnames);


/* Whether the road's (request, answer) is answered whole by a compiled driver tail: a fast answer
 * (bytes, content type[, status[, header pairs]]) with nothing to do at the end but to end the
 * request (no access log line, no form read, whose files are closed; for WSGI, no test client's
 * preserved context).
 * 1 or 0 (an error here is cleared: the Python tail meets it). */
static int
road_whole(Road *road, PyObject *request, PyObject *answer, PyObject *environ, int wsgi)
{
    if (road->clock != Py_None)  /* the access log's line is the Python tail's to write */
        return 0;
    if (!PyTuple_CheckExact(answer) || PyTuple_GET_SIZE(answer) < 2 || PyTuple_GET_SIZE(answer) > 4)
        return 0;
    PyObject *cache = PyObject_GetAttr(request, S_CACHE);
    int form = cache == NULL ? -1 : PyDict_Check(cache) ? PyDict_Contains(cache, S_FORM) : 1;
    Py_XDECREF(cache);
    int kept = form != 0 || !wsgi ? 0 : PyDict_Contains(environ, S_PRESERVE);
    if (form < 0 || kept < 0) {
        PyErr_Clear();
        return 0;
    }
    return !form && !kept;
}

/* The end of a request the road answered whole (the drivers' end: no teardown on this road): it is
 * no longer the current one. -1 (an exception set, unless one was already) or 0. */
static int
road_close(Road *road, PyObject *request)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);  /* (called after an error too: the end runs, the error stays) */
    PyObject *token = PyObject_GetAttr(request, S_TOKEN);
    int failed = token == NULL || PyContextVar_Reset(road->var, token) < 0;
    Py_XDECREF(token);
    if (type != NULL) {
        if (failed)
            PyErr_Clear();
        PyErr_Restore(type, value, tb);
    }
    return failed ? -1 : 0;
}

/* [(type_name, content_type), (length_name, str(len(body)))]: a fast answer's default headers, with
 * the header names each driver writes (new reference, or NULL: an error). */
static PyObject *
default_headers(PyObject *type_name, PyObject *length_name, PyObject *content_type, PyObject *body)
{
    Py_ssize_t length = PyObject_Length(body);
    PyObject *headers = length < 0 ? NULL : PyList_New(2), *item;
    if (headers == NULL)
        return NULL;
    if ((item = type_pair(type_name, content_type)) == NULL) {
        Py_DECREF(headers);
        return NULL;
    }
    PyList_SET_ITEM(headers, 0, item);
    if ((item = length_pair(length_name, length)) == NULL) {
        Py_DECREF(headers);
        return NULL;
    }
    PyList_SET_ITEM(headers, 1, item);
    return headers;
}

/* Whether the environ's method is HEAD (its answer has no body): 1, 0, or -1 an error. */
static int
is_head(PyObject *environ)
{
    PyObject *method = PyDict_GetItemWithError(environ, S_REQUEST_METHOD);
    if (method == NULL)
        return PyErr_Occurred() ? -1 : 0;
    return is_ascii(method, "HEAD", 4);
}

/* The fast answer (bytes, content type[, status[, header pairs]]) through start_response, as
 * wsgi.respond sends it: the body list ([] for HEAD). NULL: an error. */
static PyObject *
wsgi_fast(Road *road, PyObject *environ, PyObject *start_response, PyObject *answer)
{
    Py_ssize_t size = PyTuple_GET_SIZE(answer);
    PyObject *body = PyTuple_GET_ITEM(answer, 0), *status, *headers;
    if (size == 2)
        status = Py_NewRef(S_STATUS_200);
    else {
        PyObject *code = PyTuple_GET_ITEM(answer, 2);
        Py_ssize_t value = PyLong_Check(code) ? PyLong_AsSsize_t(code) : -1;
        if (value >= 0 && value < PyTuple_GET_SIZE(road->lines) && PyTuple_GET_ITEM(road->lines, value) != Py_None)
            status = Py_NewRef(PyTuple_GET_ITEM(road->lines, value));
        else if (PyErr_Clear(), (status = PyObject_GetItem(road->fast_status, code)) == NULL)
            return NULL;
    }
    headers = size == 4 ? Py_NewRef(PyTuple_GET_ITEM(answer, 3))
        : default_headers(S_HEADER_TYPE, S_HEADER_LENGTH, PyTuple_GET_ITEM(answer, 1), body);
    if (headers == NULL) {
        Py_DECREF(status);
        return NULL;
    }
    PyObject *stack[2] = {status, headers};
    PyObject *started = PyObject_Vectorcall(start_response, stack, 2, NULL);
    Py_DECREF(status);
    Py_DECREF(headers);
    if (started == NULL)
        return NULL;
    Py_DECREF(started);
    int head = is_head(environ);
    if (head < 0)
        return NULL;
    PyObject *result = PyList_New(head ? 0 : 1);
    if (result != NULL && !head)
        PyList_SET_ITEM(result, 0, Py_NewRef(body));
    return result;
}

/* The compiled road of a WSGI call, as above. NULL with *taken = 0: not taken (nothing was done; no
 * exception set), the caller calls self.wsgi_app. */
static PyObject *
wsgi_road(PyObject *self, PyObject *environ, PyObject *start_response, int *taken)
{
    *taken = 0;
    if (WSGI_ENTRY == NULL || !PyDict_CheckExact(environ))
        return NULL;
    PyObject *entry = PyObject_GetAttr(self, S_WSGI_APP);
    if (entry == NULL) {
        PyErr_Clear();  /* the fallback meets the same error where it reads it */
        return NULL;
    }
    int ours = PyMethod_Check(entry) && PyMethod_GET_FUNCTION(entry) == WSGI_ENTRY && PyMethod_GET_SELF(entry) == self;
    Py_DECREF(entry);
    PyObject *road = ours ? PyObject_GetAttr(self, S_ROAD) : NULL;
    if (road == NULL) {
        PyErr_Clear();
        return NULL;
    }
    if (Py_TYPE(road) != &RoadType) {
        Py_DECREF(road);
        return NULL;
    }
    PyObject *got = road_call(road, &environ, 1, NULL);
    if (got == Py_None) {
        Py_DECREF(got);
        Py_DECREF(road);
        return NULL;
    }
    *taken = 1;
    if (got == NULL) {  /* as wsgi_app: what the road raises goes to the server */
        Py_DECREF(road);
        return NULL;
    }
    PyObject *request = PyTuple_GET_ITEM(got, 0), *answer = PyTuple_GET_ITEM(got, 1), *result = NULL;
    if (!road_whole((Road *)road, request, answer, environ, 1)) {
        PyObject *stack[5] = {self, environ, start_response, request, answer};
        result = PyObject_Vectorcall(WSGI_REST, stack, 5, NULL);
    }
    else {
        result = wsgi_fast((Road *)road, environ, start_response, answer);
        if (road_close((Road *)road, request) < 0)  /* (wsgi.respond's finally) */
            Py_CLEAR(result);  /* (an earlier error stays the one raised) */
    }
    Py_DECREF(got);
    Py_DECREF(road);
    return result;
}

static PyObject *
app_call(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs == 2 && kwnames == NULL && args[1] != Py_None) {
        int taken;
        PyObject *answer = wsgi_road(self, args[0], args[1], &taken);
        if (taken)
            return answer;
        PyObject *stack[3] = {self, args[0], args[1]};
        return PyObject_VectorcallMethod(S_WSGI_APP, stack, 3, NULL);
    }
    return call_with_self(CALL_FALLBACK, self, args, nargs, kwnames);
}

static PyMethodDef app_call_def = {
    "__call__", (PyCFunction)(void (*)(void))app_call, METH_FASTCALL | METH_KEYWORDS,
    "__call__($self, environ, start_response=None, /, *send)\n--\n\n"
    "The WSGI entry point (app(environ, start_response) is self.wsgi_app(environ, start_response)), and\n"
    "the ASGI one: app(scope, receive, send) (ASGI 3) or app(scope) (ASGI 2)."};

/* bind_call(cls, fallback[, entry, rest]): a method descriptor for cls.__call__ (app_call above),
 * which hands every call but app(environ, start_response) to fallback, the Python __call__; with
 * entry (wsgi.wsgi_app) and rest (wsgi.respond), it takes the compiled road where wsgi_app would. */
static PyObject *
bind_call(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if ((nargs != 2 && nargs != 4) || !PyType_Check(args[0]) || !PyCallable_Check(args[1])
            || (nargs == 4 && (!PyFunction_Check(args[2]) || !PyCallable_Check(args[3])))) {
        PyErr_SetString(PyExc_TypeError, "bind_call(cls: type, fallback: callable[, entry: function, rest: callable])");
        return NULL;
    }
    Py_INCREF(args[1]);
    Py_XSETREF(CALL_FALLBACK, args[1]);
    Py_XSETREF(WSGI_ENTRY, nargs == 4 ? Py_NewRef(args[2]) : NULL);
    Py_XSETREF(WSGI_REST, nargs == 4 ? Py_NewRef(args[3]) : NULL);
    return PyDescr_NewMethod((PyTypeObject *)args[0], &app_call_def);
}

/* Whether ``path`` (a PATH_INFO) is what Request.path would give for it, the common case: an ASCII
 * str starting with one "/" (not "//": a path starting so is read apart). */
static int
is_plain_path(PyObject *path)
{
    if (PyUnicode_CheckExact(path) && PyUnicode_IS_ASCII(path)) {
        Py_ssize_t size = PyUnicode_GET_LENGTH(path);
        const Py_UCS1 *text = PyUnicode_1BYTE_DATA(path);
        return size > 0 && text[0] == '/' && (size == 1 || text[1] != '/');
    }
    return 0;
}

/* handler(exception[, request]) for the exception set now, called as from ``except Exception as e``;
 * NULL (the exception set again, *passed = 1) when it is not an Exception, NULL with the handler's
 * own exception when the handler raises. */
static PyObject *
handled(PyObject *app, PyObject *name, PyObject *request, int *passed)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value == NULL || !PyErr_GivenExceptionMatches(type, PyExc_Exception)) {
        PyErr_Restore(type, value, tb);
        *passed = 1;
        return NULL;
    }
    if (tb != NULL)
        PyException_SetTraceback(value, tb);
    PyObject *old_type, *old_value, *old_tb;
    PyErr_GetExcInfo(&old_type, &old_value, &old_tb);
    Py_INCREF(value);
    PyErr_SetExcInfo(type, value, tb);  /* (steals the three) */
    PyObject *result = NULL, *func = PyObject_GetAttr(app, name);
    if (func != NULL) {
        PyObject *args[2] = {value, request};
        result = PyObject_Vectorcall(func, args, request == NULL ? 1 : 2, NULL);
        Py_DECREF(func);
    }
    PyErr_SetExcInfo(old_type, old_value, old_tb);
    Py_DECREF(value);
    return result;
}

/* The view's value for a request the road took (App._view_value's, hooks off), or NULL. */
static PyObject *
road_view(Road *road, PyObject *request, PyObject *environ, PyObject *path, PyObject *method, int lazy,
          int *passed)
{
    PyObject *rv = NULL, *found = NULL, *url_map = PyObject_GetAttr(road->app, S_URL_MAP);
    if (url_map != NULL) {
        PyObject *stack[4] = {url_map, path, method, Py_True};
        found = PyObject_VectorcallMethod(S_MATCH, stack, 3, KW_RETURN_RULE);
        Py_DECREF(url_map);
    }
    if (found == NULL) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        int page = road->miss_page && type == road->not_found;
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        if (page) {  /* the default 404 page, unless the client asks for JSON (Accept: ...json...) */
            /* (A lazy environ is asked by its get: the header is not among the keys it holds yet.) */
            PyObject *accept = lazy ? PyObject_CallMethodOneArg(environ, S_GET, S_HTTP_ACCEPT)
                                    : Py_XNewRef(PyDict_GetItemWithError(environ, S_HTTP_ACCEPT));
            if (accept == NULL && PyErr_Occurred())
                return NULL;
            int json = 0;
            if (accept != NULL && accept != Py_None)
                json = PyUnicode_CheckExact(accept) ? PySequence_Contains(accept, S_JSON_WORD) : -2;
            Py_XDECREF(accept);
            if (json == -1)
                return NULL;
            if (json == 0)
                return PyTuple_Pack(2, road->page, CODE_404);
        }
        goto python;
    }
    if (!PyTuple_CheckExact(found) || PyTuple_GET_SIZE(found) != 2) {
        Py_DECREF(found);
        goto python;
    }
    PyObject *rule = PyTuple_GET_ITEM(found, 0), *args = PyTuple_GET_ITEM(found, 1), *endpoint = NULL, *view = NULL;
    PyObject *functions = NULL;
    if (PyObject_SetAttr(request, S_VIEW_ARGS, args) < 0 || PyObject_SetAttr(request, S_URL_RULE, rule) < 0)
        goto failed;
    if ((endpoint = PyObject_GetAttr(rule, S_ENDPOINT)) == NULL || PyObject_SetAttr(request, S_ENDPOINT, endpoint) < 0)
        goto failed;
    PyObject *redirects = PyObject_GetAttr(rule, S_DEFAULT_REDIRECTS);
    int redirect = redirects == NULL ? -1 : PyObject_IsTrue(redirects);
    Py_XDECREF(redirects);
    if (redirect != 0)  /* werkzeug's redirect_defaults (or an error reading it): Python's */
        goto failed;
    /* dispatch_request: the view of the endpoint, called with the route's values. */
    int typed = PySet_Contains(road->typed, endpoint);  /* a typed view: validation binds its values */
    functions = typed != 0 ? NULL : PyObject_GetAttr(road->app, S_VIEW_FUNCTIONS);
    if (functions != NULL && PyDict_CheckExact(functions) && (view = PyDict_GetItemWithError(functions, endpoint)) != NULL
            && (args == Py_None || PyDict_CheckExact(args))) {
        Py_INCREF(view);
        rv = args == Py_None || PyDict_GET_SIZE(args) == 0 ? PyObject_CallNoArgs(view)
                                                           : PyObject_Call(view, EMPTY_TUPLE, args);
        Py_DECREF(view);
    } else {
        PyErr_Clear();
        PyObject *call[2] = {road->app, request};
        rv = PyObject_Vectorcall(road->dispatch, call, 2, NULL);
    }
    Py_XDECREF(functions);
    Py_DECREF(endpoint);
    Py_DECREF(found);
    if (rv != NULL && Py_TYPE(rv) == (PyTypeObject *)road->coroutine) {  /* an async view */
        PyObject *call[2] = {road->app, rv};
        Py_SETREF(rv, PyObject_Vectorcall(road->settle, call, 2, NULL));
    }
    if (rv == NULL)  /* as _view_value's ``except Exception as e``: the error handlers' value */
        rv = handled(road->app, S_HANDLE_USER, request, passed);
    return rv;
failed:
    Py_XDECREF(endpoint);
    Py_DECREF(found);
python:
    PyErr_Clear();
    {
        PyObject *call[3] = {road->app, request, Py_False};
        return PyObject_Vectorcall(road->view_value, call, 3, NULL);
    }
}

/* dispatch.finish(app, request, rv) for the road (its app's _fast is true), or NULL. */
static PyObject *
road_finish(Road *road, PyObject *request, PyObject *rv)
{
    PyObject *post = PyObject_GetAttr(request, S_POST_VIEW);
    int later = post == NULL ? -1 : PyObject_IsTrue(post);
    Py_XDECREF(post);
    if (later < 0)
        return NULL;
    if (!later) {
        PyTypeObject *type = Py_TYPE(rv);
        if (type == &PyTuple_Type) {
            PyObject *answer = tuple_answer_of(rv, road->fast_status, road->lines, road->json);
            if (answer != Py_None)
                return answer;
            Py_DECREF(answer);
        } else if (RESPONSE_TYPE != NULL && (PyObject *)type == RESPONSE_TYPE) {
            /* finish's Response(text) nothing has touched since: the text's answer (else the
             * Response itself, as finish gives it, after the Python call below) */
            PyObject *answer = response_answer(NULL, rv);
            if (answer != Py_None)
                return answer;
            Py_DECREF(answer);
        } else if (type == &PyUnicode_Type || type == &PyBytes_Type || type == &PyDict_Type || type == &PyList_Type) {
            PyObject *data, *content_type;
            int r = body_bytes(rv, road->json, &data, &content_type);
            if (r < 0)
                return NULL;
            if (r > 0) {
                PyObject *answer = PyTuple_New(2);
                if (answer == NULL) {
                    Py_DECREF(data);
                    return NULL;
                }
                PyTuple_SET_ITEM(answer, 0, data);
                PyTuple_SET_ITEM(answer, 1, Py_NewRef(content_type));
                return answer;
            }
        }
    }
    PyObject *call[3] = {road->app, request, rv};
    return PyObject_Vectorcall(road->finish, call, 3, NULL);
}

/* The request's context variable set back (its token), keeping the error being raised. */
static void
road_end(Road *road, PyObject *token)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (PyContextVar_Reset(road->var, token) < 0)
        PyErr_Clear();
    PyErr_Restore(type, value, tb);
}

static PyObject *
road_call(PyObject *op, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Road *road = (Road *)op;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs < 1 || nargs > 3 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "road(environ[, awaits[, lazy]])");
        return NULL;
    }
    int awaits = nargs >= 2 ? PyObject_IsTrue(args[1]) : 0;
    if (awaits < 0)
        return NULL;
    int lazy = nargs == 3 ? PyObject_IsTrue(args[2]) : 0;
    if (lazy < 0)
        return NULL;
    PyObject *environ = args[0];
    if (lazy ? !PyDict_Check(environ) : !PyDict_CheckExact(environ))
        Py_RETURN_NONE;
    PyObject *path = PyDict_GetItemWithError(environ, S_PATH_INFO), *method;
    if (path == NULL || !is_plain_path(path))
        return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    method = PyDict_GetItemWithError(environ, S_REQUEST_METHOD);
    if (method == NULL || (!is_ascii(method, "GET", 3) && !is_ascii(method, "HEAD", 4)))
        return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    PyObject *cls = PyObject_GetAttr(road->app, S_REQUEST_CLASS);
    if (cls == NULL) {
        PyErr_Clear();  /* the Python road meets the same error where it reads it */
        Py_RETURN_NONE;
    }
    Py_DECREF(cls);
    if (cls != road->request_type)
        Py_RETURN_NONE;
    if (road->clock != Py_None) {  /* begin's note of the start, for the access log's duration */
        PyObject *now = PyObject_CallNoArgs(road->clock);
        int failed = now == NULL || PyDict_SetItem(environ, S_STARTED, now) < 0;
        Py_XDECREF(now);
        if (failed)
            return NULL;
    }
    /* begin(): the request (object.__new__, as begin makes it), made the current one. (begin also
     * copies post_view and body_pending, False and None, to the instance for Python's reads of them;
     * here Request's own defaults are read.) */
    Py_INCREF(path);
    Py_INCREF(method);
    PyObject *request = PyBaseObject_Type.tp_new((PyTypeObject *)road->request_type, EMPTY_TUPLE, NULL);
    PyObject *cache = PyDict_New(), *token = NULL, *rv = NULL, *answer = NULL;
    if (request == NULL || cache == NULL || PyDict_SetItem(cache, S_PATH, path) < 0
            || PyObject_SetAttr(request, S_ENVIRON, environ) < 0 || PyObject_SetAttr(request, S_CACHE, cache) < 0
            || PyObject_SetAttr(request, S_APP, road->app) < 0
            || (token = PyContextVar_Set(road->var, request)) == NULL) {
        Py_XDECREF(request);
        Py_XDECREF(cache);
        Py_DECREF(path);
        Py_DECREF(method);
        return NULL;
    }
    Py_DECREF(cache);
    int passed = 0;
    if (PyObject_SetAttr(request, S_TOKEN, token) < 0) {
        road_end(road, token);
        goto done;
    }
    rv = road_view(road, request, environ, path, method, lazy, &passed);
    if (rv != NULL) {
        if (awaits && Py_TYPE(rv) == (PyTypeObject *)road->coroutine)
            answer = Py_NewRef(rv);  /* the driver awaits it, then finishes */
        else
            answer = road_finish(road, request, rv);
    }
    if (answer == NULL && !passed)  /* as the drivers' ``except Exception as e`` */
        answer = handled(road->app, S_HANDLE, NULL, &passed);
    if (answer == NULL) {
        road_end(road, token);
        goto done;
    }
    Py_SETREF(answer, PyTuple_Pack(2, request, answer));
    if (answer == NULL)
        road_end(road, token);
done:
    Py_XDECREF(rv);
    Py_DECREF(token);
    Py_DECREF(request);
    Py_DECREF(path);
    Py_DECREF(method);
    return answer;
}

/* The fast status lines by code (fast_status: {code: line}), a tuple of 600: the line of each code
 * below 600 that fast_status has, None for the others (a code past it is never a fast one). */
static PyObject *
status_lines(PyObject *fast_status)
{
    PyObject *lines = PyTuple_New(600), *code, *line;
    if (lines == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < 600; i++)
        PyTuple_SET_ITEM(lines, i, Py_NewRef(Py_None));
    Py_ssize_t pos = 0;
    while (PyDict_Next(fast_status, &pos, &code, &line)) {
        if (!PyLong_CheckExact(code) || !PyUnicode_CheckExact(line)) {
            Py_DECREF(lines);
            PyErr_SetString(PyExc_TypeError, "Road: fast_status must map int codes to str lines");
            return NULL;
        }
        long value = PyLong_AsLong(code);
        if (value == -1 && PyErr_Occurred())
            PyErr_Clear();
        else if (value >= 0 && value < 600)
            Py_SETREF(PyTuple_GET_ITEM(lines, value), Py_NewRef(line));
    }
    return lines;
}

static PyObject *
road_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *app, *request_type, *var, *fast_status, *not_found, *page, *view_value, *finish, *dispatch;
    PyObject *settle, *coroutine, *typed, *clock = Py_None;
    int json, miss_page;
    if (!PyArg_ParseTuple(args, "OO!OO!pO!O!pOOOOO!O!|O:Road", &app, &PyType_Type, &request_type, &var, &PyDict_Type,
                          &fast_status, &json, &PyType_Type, &not_found, &PyBytes_Type, &page, &miss_page, &view_value,
                          &finish, &dispatch, &settle, &PyType_Type, &coroutine, &PyFrozenSet_Type, &typed, &clock))
        return NULL;
    if (clock != Py_None && !PyCallable_Check(clock)) {
        PyErr_SetString(PyExc_TypeError, "Road: clock must be callable or None");
        return NULL;
    }
    if (!PyContextVar_CheckExact(var)) {
        PyErr_SetString(PyExc_TypeError, "Road: var must be a ContextVar");
        return NULL;
    }
    PyObject *lines = status_lines(fast_status);
    Road *self = lines == NULL ? NULL : (Road *)type->tp_alloc(type, 0);
    if (self == NULL) {
        Py_XDECREF(lines);
        return NULL;
    }
    self->lines = lines;
    self->app = Py_NewRef(app);
    self->request_type = Py_NewRef(request_type);
    self->var = Py_NewRef(var);
    self->fast_status = Py_NewRef(fast_status);
    self->not_found = Py_NewRef(not_found);
    self->page = Py_NewRef(page);
    self->view_value = Py_NewRef(view_value);
    self->finish = Py_NewRef(finish);
    self->dispatch = Py_NewRef(dispatch);
    self->settle = Py_NewRef(settle);
    self->coroutine = Py_NewRef(coroutine);
    self->typed = Py_NewRef(typed);
    self->clock = Py_NewRef(clock);
    self->json = json;
    self->miss_page = miss_page;
    self->vectorcall = road_call;
    return (PyObject *)self;
}

static int
road_traverse(Road *self, visitproc visit, void *arg)
{
    Py_VISIT(self->app);
    Py_VISIT(self->request_type);
    Py_VISIT(self->var);
    Py_VISIT(self->fast_status);
    Py_VISIT(self->lines);
    Py_VISIT(self->not_found);
    Py_VISIT(self->page);
    Py_VISIT(self->view_value);
    Py_VISIT(self->finish);
    Py_VISIT(self->dispatch);
    Py_VISIT(self->settle);
    Py_VISIT(self->coroutine);
    Py_VISIT(self->typed);
    Py_VISIT(self->clock);
    return 0;
}

static int
road_clear(Road *self)
{
    Py_CLEAR(self->app);
    Py_CLEAR(self->request_type);
    Py_CLEAR(self->var);
    Py_CLEAR(self->fast_status);
    Py_CLEAR(self->lines);
    Py_CLEAR(self->not_found);
    Py_CLEAR(self->page);
    Py_CLEAR(self->view_value);
    Py_CLEAR(self->finish);
    Py_CLEAR(self->dispatch);
    Py_CLEAR(self->settle);
    Py_CLEAR(self->coroutine);
    Py_CLEAR(self->typed);
    Py_CLEAR(self->clock);
    return 0;
}

static void
road_dealloc(Road *self)
{
    PyObject_GC_UnTrack(self);
    road_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
road_get_app(Road *self, void *closure)
{
    return Py_NewRef(self->app == NULL ? Py_None : self->app);
}

static PyGetSetDef road_getset[] = {
    {"app", (getter)road_get_app, NULL, "The App this road serves.", NULL},
    {NULL},
};

/* road.rsgi(environ, protocol): the RSGI driver's road (rsgi.rsgi_application) for a request without
 * a pending body: road(environ, True), then a fast answer with nothing left at the end sent with
 * protocol.response_bytes(status, headers, body) as the driver sends it and the request ended:
 * True. None: not taken (nothing done); else (request, answer) for the driver to go on with (a
 * coroutine to await, a Response, a form read). What response_bytes raises is raised, the request
 * ended, as from the driver. */
static PyObject *S_RESPONSE_BYTES, *S_LOWER_TYPE, *S_LOWER_LENGTH, *CODE_200, *EMPTY_BYTES;

static PyObject *
road_rsgi(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    Road *road = (Road *)op;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "road.rsgi(environ, protocol)");
        return NULL;
    }
    PyObject *stack[2] = {args[0], Py_True};
    PyObject *got = road_call(op, stack, 2, NULL);
    if (got == NULL || got == Py_None)
        return got;
    PyObject *request = PyTuple_GET_ITEM(got, 0), *answer = PyTuple_GET_ITEM(got, 1);
    if (!road_whole(road, request, answer, args[0], 0))
        return got;
    Py_ssize_t size = PyTuple_GET_SIZE(answer);
    PyObject *body = PyTuple_GET_ITEM(answer, 0), *sent = NULL;
    PyObject *headers = size == 4 ? Py_NewRef(PyTuple_GET_ITEM(answer, 3))
        : default_headers(S_LOWER_TYPE, S_LOWER_LENGTH, PyTuple_GET_ITEM(answer, 1), body);
    if (headers != NULL) {
        int head = is_head(args[0]);
        if (head >= 0) {
            PyObject *call[4] = {args[1], size == 2 ? CODE_200 : PyTuple_GET_ITEM(answer, 2), headers,
                                 head ? EMPTY_BYTES : body};
            sent = PyObject_VectorcallMethod(S_RESPONSE_BYTES, call, 4, NULL);
        }
        Py_DECREF(headers);
    }
    int closed = road_close(road, request);
    Py_DECREF(got);
    if (sent == NULL || closed < 0) {
        Py_XDECREF(sent);
        return NULL;
    }
    Py_DECREF(sent);
    Py_RETURN_TRUE;
}

/* road.asgi(environ): the ASGI driver's inline road (asgi.asgi_application) for a request without a
 * pending body: road(environ, True), then for a fast answer of HTML or JSON with the default
 * headers and nothing left at the end, the request ended and [start, body]: the two messages the
 * driver sends, made as it makes them. None: not taken (nothing done); else (request, answer) for
 * the driver to go on with. */
static PyObject *S_TYPE, *S_STATUS, *S_HEADERS, *S_BODY, *M_START, *M_BODY, *ASGI_HTML, *ASGI_JSON, *ASGI_HTML_OF,
    *ASGI_JSON_OF, *ASGI_LENGTHS[1024];

/* (b"content-type", content_type encoded) for the fast answers' HTML or JSON content type object,
 * made once for the object in use (borrowed), or NULL without an exception for any other. */
static PyObject *
asgi_type_header(PyObject *content_type)
{
    PyObject **kept, **of;
    if (content_type == HTML && HTML != NULL)
        kept = &ASGI_HTML, of = &ASGI_HTML_OF;
    else if (content_type == JSON && JSON != NULL)
        kept = &ASGI_JSON, of = &ASGI_JSON_OF;
    else
        return NULL;
    if (*kept == NULL || *of != content_type) {
        PyObject *name = PyBytes_FromString("content-type"), *value = PyUnicode_AsLatin1String(content_type);
        PyObject *pair = name == NULL || value == NULL ? NULL : PyTuple_Pack(2, name, value);
        Py_XDECREF(name);
        Py_XDECREF(value);
        if (pair == NULL) {
            PyErr_Clear();
            return NULL;
        }
        Py_XSETREF(*kept, pair);
        Py_XSETREF(*of, Py_NewRef(content_type));
    }
    return *kept;
}

/* (b"content-length", b"<n>"), kept for n below 1024 (new reference). */
static PyObject *
asgi_length_header(Py_ssize_t n)
{
    if (n < 1024 && ASGI_LENGTHS[n] != NULL)
        return Py_NewRef(ASGI_LENGTHS[n]);
    PyObject *name = PyBytes_FromString("content-length"), *value = PyBytes_FromFormat("%zd", n);
    PyObject *pair = name == NULL || value == NULL ? NULL : PyTuple_Pack(2, name, value);
    Py_XDECREF(name);
    Py_XDECREF(value);
    if (pair != NULL && n < 1024)
        ASGI_LENGTHS[n] = Py_NewRef(pair);
    return pair;
}

/* The templates of the two messages of a fast answer: {"type": "http.response.start", "status": None,
 * "headers": None} and {"type": "http.response.body", "body": None}, made once (never given out). */
static PyObject *START_TEMPLATE, *BODY_TEMPLATE;

static int
message_templates(void)
{
    if (START_TEMPLATE != NULL)
        return 0;
    PyObject *start = PyDict_New(), *whole = PyDict_New();
    if (start == NULL || whole == NULL || PyDict_SetItem(start, S_TYPE, M_START) < 0
            || PyDict_SetItem(start, S_STATUS, Py_None) < 0 || PyDict_SetItem(start, S_HEADERS, Py_None) < 0
            || PyDict_SetItem(whole, S_TYPE, M_BODY) < 0 || PyDict_SetItem(whole, S_BODY, Py_None) < 0) {
        Py_XDECREF(start);
        Py_XDECREF(whole);
        return -1;
    }
    START_TEMPLATE = start;
    BODY_TEMPLATE = whole;
    return 0;
}

static PyObject *
road_asgi(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    Road *road = (Road *)op;
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "road.asgi(environ)");
        return NULL;
    }
    PyObject *stack[2] = {args[0], Py_True};
    PyObject *got = road_call(op, stack, 2, NULL);
    if (got == NULL || got == Py_None)
        return got;
    PyObject *request = PyTuple_GET_ITEM(got, 0), *answer = PyTuple_GET_ITEM(got, 1), *kind;
    if (!road_whole(road, request, answer, args[0], 0) || PyTuple_GET_SIZE(answer) == 4
            || (kind = asgi_type_header(PyTuple_GET_ITEM(answer, 1))) == NULL)
        return got;
    PyObject *body = PyTuple_GET_ITEM(answer, 0), *start = NULL, *whole = NULL, *messages = NULL;
    Py_ssize_t length = PyObject_Length(body);
    PyObject *sized = length < 0 ? NULL : asgi_length_header(length);
    PyObject *headers = sized == NULL ? NULL : PyList_New(2);
    if (headers != NULL) {
        PyList_SET_ITEM(headers, 0, Py_NewRef(kind));
        PyList_SET_ITEM(headers, 1, Py_NewRef(sized));
        int head = is_head(args[0]);
        /* (each message a copy of its template, its keys in place: cheaper than a dict grown key by key) */
        if (head >= 0 && message_templates() == 0 && (start = PyDict_Copy(START_TEMPLATE)) != NULL
                && (whole = PyDict_Copy(BODY_TEMPLATE)) != NULL
                && PyDict_SetItem(start, S_STATUS, PyTuple_GET_SIZE(answer) == 2 ? CODE_200 : PyTuple_GET_ITEM(answer, 2)) == 0
                && PyDict_SetItem(start, S_HEADERS, headers) == 0
                && PyDict_SetItem(whole, S_BODY, head ? EMPTY_BYTES : body) == 0 && (messages = PyList_New(2)) != NULL) {
            PyList_SET_ITEM(messages, 0, Py_NewRef(start));
            PyList_SET_ITEM(messages, 1, Py_NewRef(whole));
        }
    }
    Py_XDECREF(sized);
    Py_XDECREF(headers);
    Py_XDECREF(start);
    Py_XDECREF(whole);
    /* The request ends before its answer is sent (as the driver ends it: see asgi_application). */
    if (road_close(road, request) < 0)
        Py_CLEAR(messages);
    Py_DECREF(got);
    return messages;
}

static PyMethodDef road_methods[] = {
    {"asgi", (PyCFunction)(void (*)(void))road_asgi, METH_FASTCALL,
     "asgi(environ): [start, body] (the ASGI messages of a fast answer, the request ended), None (not taken) "
     "or (request, answer) for the ASGI driver to go on with."},
    {"rsgi", (PyCFunction)(void (*)(void))road_rsgi, METH_FASTCALL,
     "rsgi(environ, protocol): True (answered with protocol.response_bytes, the request ended), None (not "
     "taken) or (request, answer) for the RSGI driver to go on with."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RoadType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "manypaths.http._speedups.Road",
    .tp_basicsize = sizeof(Road),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Road(app, ...): road(environ[, awaits]) is (request, answer) of the App's plainest road, or None.",
    .tp_new = road_new,
    .tp_dealloc = (destructor)road_dealloc,
    .tp_traverse = (traverseproc)road_traverse,
    .tp_clear = (inquiry)road_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Road, vectorcall),
    .tp_getset = road_getset,
    .tp_methods = road_methods,
};

/* plain_path(path): whether ``path`` (a PATH_INFO) is what Request.path would give for it, the
 * common case: an ASCII str starting with one "/" (not "//": a path starting so is read apart). */
static PyObject *
plain_path(PyObject *module, PyObject *path)
{
    return Py_NewRef(is_plain_path(path) ? Py_True : Py_False);
}

static PyMethodDef module_methods[] = {
    {"plain_path", (PyCFunction)plain_path, METH_O,
     "plain_path(path): whether the PATH_INFO is an ASCII str starting with one '/' (Request.path is itself)."},
    {"bind_call", (PyCFunction)(void (*)(void))bind_call, METH_FASTCALL,
     "bind_call(cls, fallback[, entry, rest]): a compiled __call__ for the App class cls (WSGI straight to "
     "wsgi_app; with entry and rest, the compiled road's answers without wsgi_app's frames)."},
    {"bind_response_init", (PyCFunction)(void (*)(void))bind_response_init, METH_FASTCALL,
     "bind_response_init(cls, fallback): a compiled __init__ for the Response class cls."},
    {"response_answer", (PyCFunction)response_answer, METH_O,
     "response_answer(response): (body bytes, HTML) for an untouched Response(text), else None."},
    {"use_content_types", (PyCFunction)(void (*)(void))use_content_types, METH_FASTCALL,
     "use_content_types(html, json): the content type objects fast answers carry."},
    {"view_headers", (PyCFunction)(void (*)(void))view_headers, METH_FASTCALL,
     "view_headers(data, content_type, headers): a fast answer's header pairs for a view's plain dict of headers, or None."},
    {"tuple_answer", (PyCFunction)(void (*)(void))tuple_answer, METH_FASTCALL,
     "tuple_answer(rv, fast_status, json): the fast answer of a view's (body, status[, headers]) or (body, headers), or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "manypaths.http._speedups",
    .m_doc = "The compiled parts of the App's fast answers: the JSON writer and a view's headers.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&EncoderType) < 0 || PyType_Ready(&RoadType) < 0)
        return NULL;
    CONTENT_TYPE = PyUnicode_InternFromString("Content-Type");
    CONTENT_LENGTH = PyUnicode_InternFromString("Content-Length");
    HTML = PyUnicode_InternFromString("text/html; charset=utf-8");
    JSON = PyUnicode_InternFromString("application/json");
    TEXT_NAME = PyUnicode_InternFromString("_text");
    INIT_NAME = PyUnicode_InternFromString("__init__");
    NEW_NAME = PyUnicode_InternFromString("__new__");
    OBJECT_NEW = INIT_NAME == NULL || NEW_NAME == NULL ? NULL : PyDict_GetItemWithError(PyBaseObject_Type.tp_dict, NEW_NAME);
    if ((S_ENVIRON = PyUnicode_InternFromString("environ")) == NULL || (S_CACHE = PyUnicode_InternFromString("_cache")) == NULL
            || (S_APP = PyUnicode_InternFromString("app")) == NULL
            || (S_POST_VIEW = PyUnicode_InternFromString("post_view")) == NULL
            || (S_TOKEN = PyUnicode_InternFromString("_token")) == NULL || (S_PATH = PyUnicode_InternFromString("path")) == NULL
            || (S_REQUEST_CLASS = PyUnicode_InternFromString("request_class")) == NULL
            || (S_URL_MAP = PyUnicode_InternFromString("url_map")) == NULL
            || (S_MATCH = PyUnicode_InternFromString("match")) == NULL
            || (S_URL_RULE = PyUnicode_InternFromString("url_rule")) == NULL
            || (S_VIEW_ARGS = PyUnicode_InternFromString("view_args")) == NULL
            || (S_ENDPOINT = PyUnicode_InternFromString("endpoint")) == NULL
            || (S_DEFAULT_REDIRECTS = PyUnicode_InternFromString("default_redirects")) == NULL
            || (S_VIEW_FUNCTIONS = PyUnicode_InternFromString("view_functions")) == NULL
            || (S_PATH_INFO = PyUnicode_InternFromString("PATH_INFO")) == NULL
            || (S_REQUEST_METHOD = PyUnicode_InternFromString("REQUEST_METHOD")) == NULL
            || (S_HTTP_ACCEPT = PyUnicode_InternFromString("HTTP_ACCEPT")) == NULL
            || (S_GET = PyUnicode_InternFromString("get")) == NULL
            || (S_STARTED = PyUnicode_InternFromString("manypaths.started")) == NULL
            || (S_JSON_WORD = PyUnicode_InternFromString("json")) == NULL
            || (S_HANDLE_USER = PyUnicode_InternFromString("handle_user_exception")) == NULL
            || (S_HANDLE = PyUnicode_InternFromString("handle_exception")) == NULL
            || (S_RETURN_RULE = PyUnicode_InternFromString("return_rule")) == NULL
            || (KW_RETURN_RULE = PyTuple_Pack(1, S_RETURN_RULE)) == NULL  /* (interned: FastMatch compares names by identity) */
            || (EMPTY_TUPLE = PyTuple_New(0)) == NULL || (CODE_404 = PyLong_FromLong(404)) == NULL
            || (S_WSGI_APP = PyUnicode_InternFromString("wsgi_app")) == NULL
            || (S_ROAD = PyUnicode_InternFromString("_road")) == NULL || (S_FORM = PyUnicode_InternFromString("form")) == NULL
            || (S_PRESERVE = PyUnicode_InternFromString("manypaths.preserve_context")) == NULL
            || (S_STATUS_200 = PyUnicode_InternFromString("200 OK")) == NULL
            || (S_HEADER_TYPE = PyUnicode_InternFromString("Content-Type")) == NULL
            || (S_HEADER_LENGTH = PyUnicode_InternFromString("Content-Length")) == NULL
            || (S_HEAD = PyUnicode_InternFromString("HEAD")) == NULL
            || (S_RESPONSE_BYTES = PyUnicode_InternFromString("response_bytes")) == NULL
            || (S_LOWER_TYPE = PyUnicode_InternFromString("content-type")) == NULL
            || (S_LOWER_LENGTH = PyUnicode_InternFromString("content-length")) == NULL
            || (CODE_200 = PyLong_FromLong(200)) == NULL || (EMPTY_BYTES = PyBytes_FromStringAndSize(NULL, 0)) == NULL
            || (S_TYPE = PyUnicode_InternFromString("type")) == NULL
            || (S_STATUS = PyUnicode_InternFromString("status")) == NULL
            || (S_HEADERS = PyUnicode_InternFromString("headers")) == NULL
            || (S_BODY = PyUnicode_InternFromString("body")) == NULL
            || (M_START = PyUnicode_InternFromString("http.response.start")) == NULL
            || (M_BODY = PyUnicode_InternFromString("http.response.body")) == NULL)
        return NULL;
    if (OBJECT_NEW == NULL || TEXT_NAME == NULL || CONTENT_TYPE == NULL || CONTENT_LENGTH == NULL || HTML == NULL || JSON == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&EncoderType);
    if (PyModule_AddObject(m, "Encoder", (PyObject *)&EncoderType) < 0) {
        Py_DECREF(&EncoderType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&RoadType);
    if (PyModule_AddObject(m, "Road", (PyObject *)&RoadType) < 0) {
        Py_DECREF(&RoadType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
