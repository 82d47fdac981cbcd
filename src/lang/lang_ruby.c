/*
 * lang/lang_ruby.c - Ruby: classes and modules (containers, nested or
 * scoped `class A::B`), methods, singleton methods, constants; `require`,
 * `require_relative` and `load` as imports; method calls.
 *
 * Names:
 *   class A::B ... end        name "B", qualifier "A"      -> "A.B"
 *   def x (in class/module)   method "x"                   -> "Store.x"
 *   def self.x / class << self; def x
 *                             method "x", qualifier "self" -> "Store.self.x"
 *   def obj.x                 method "x", qualifier "obj"  -> "obj.x"
 *   FOO = 1                   constant (attr_accessor & co. are not symbols)
 * A singleton method keeps the bare name but gets its own path, so
 * `def self.call` and `def call` in one class stay distinct symbols.
 * `class << self` itself is not a symbol: its members are walked as members
 * of the enclosing class.
 *
 * Visibility: `private` / `protected` / `public` written bare in a body
 * switch the visibility of the `def`s that follow them in that body;
 * `private def x` and `private :x, :y` (symbols, anywhere in the body) set
 * it for one method, `private_constant :X` for a constant. `initialize` is
 * private, as Ruby makes it. A bare `private` does not reach `def self.x`
 * (Ruby semantics); `private_class_method :x` does. Defs inside
 * `class << self` follow the sections of that block.
 *
 * Imports: `require "x"` (external unless the path starts with . or /),
 * `require_relative "x"` and `load "x"` (internal), literal paths only. The
 * walker's import hook runs INSTEAD of call recording and stops the descent,
 * so it cannot be pointed at Ruby's `call` nodes. Requires are collected
 * from classify instead: classify sees each statement of the top level and
 * of class/module bodies exactly once, and every statement the walker does
 * not walk into itself (methods, conditionals, blocks, ...) has its subtree
 * scanned, ERROR regions skipped as the walker does. The call pass still
 * records each require as a call to `require`.
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_ruby(void);

/* Null-safe tree access: the tree-sitter calls dereference a null node. */
static uint32_t rb_count(TSNode n)
{
    return ts_node_is_null(n) ? 0 : ts_node_named_child_count(n);
}

static TSNode rb_nth(TSNode n, uint32_t i)
{
    return ts_node_is_null(n) ? n : ts_node_named_child(n, i);
}

/* The words that set visibility, and what kind of member each applies to. */
enum rb_applies { RB_PLAIN, RB_SINGLETON, RB_CONSTANT };
static const struct rb_word {
    const char *text;
    dk_visibility vis;
    enum rb_applies applies;
} rb_words[] = {
    {"private", DK_VIS_PRIVATE, RB_PLAIN},
    {"protected", DK_VIS_PROTECTED, RB_PLAIN},
    {"public", DK_VIS_PUBLIC, RB_PLAIN},
    {"private_class_method", DK_VIS_PRIVATE, RB_SINGLETON},
    {"public_class_method", DK_VIS_PUBLIC, RB_SINGLETON},
    {"private_constant", DK_VIS_PRIVATE, RB_CONSTANT},
    {"public_constant", DK_VIS_PUBLIC, RB_CONSTANT},
};

/* The visibility word `n` spells, or NULL (compares in place: no arena copies). */
static const struct rb_word *rb_word(struct lang_ctx *cx, TSNode n)
{
    for (size_t i = 0; i < sizeof(rb_words) / sizeof(rb_words[0]); i++) {
        if (dk_lang_text_eq(cx, n, rb_words[i].text))
            return &rb_words[i];
    }
    return NULL;
}

static bool rb_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '?' || c == '!' || c == '=' || (unsigned char)c >= 0x80;
}

/*
 * The statement of `body` that `word` [start, end) of the source is the
 * visibility word of: a bare `private` (identifier) or a receiver-less call
 * `private ...` directly in the body. Sets *args to the call's arguments (a
 * null node for a bare word). NULL when the text is anything else (part of
 * a comment, a string, a nested body, another identifier).
 */
static const struct rb_word *rb_statement_word(struct lang_ctx *cx, TSNode body, uint32_t start,
                                               uint32_t end, TSNode *args)
{
    TSNode w = ts_node_named_descendant_for_byte_range(body, start, end);
    if (!lang_is(w, "identifier") || ts_node_start_byte(w) != start || ts_node_end_byte(w) != end)
        return NULL;
    TSNode stmt = ts_node_child_with_descendant(body, w);
    *args = (TSNode){0};
    if (ts_node_eq(stmt, w))
        return rb_word(cx, w);
    if (!lang_is(stmt, "call") || !ts_node_is_null(lang_field(stmt, "receiver")) ||
        !ts_node_eq(lang_field(stmt, "method"), w))
        return NULL;
    *args = lang_field(stmt, "arguments");
    return rb_word(cx, w);
}

/* True if an argument_list holds the symbol node `sym` directly. */
static bool rb_args_hold(TSNode args, TSNode sym)
{
    uint32_t c = rb_count(args);
    for (uint32_t i = 0; i < c; i++) {
        if (ts_node_eq(rb_nth(args, i), sym))
            return true;
    }
    return false;
}

/*
 * Visibility of the member `n` named `name`: the last bare visibility word
 * before it in its body (plain methods only), overridden by an explicit
 * `private :name` (or private_class_method / private_constant) anywhere in
 * the same body.
 *
 * Why text search: classify sees one node at a time, and walking the body's
 * siblings per member is quadratic with a large constant (18 s for a class of
 * 5,000 methods). Instead the source bytes of the body are searched for the
 * words (memmem, fast), and only the hits are checked against the tree.
 */
static dk_visibility rb_member_visibility(struct lang_ctx *cx, TSNode n, const char *name,
                                          enum rb_applies kind)
{
    size_t len;
    const char *src = dk_lang_source(cx, &len);
    TSNode body = ts_node_parent(n);
    uint32_t bs = ts_node_start_byte(body), be = ts_node_end_byte(body);
    uint32_t at = ts_node_start_byte(n);
    dk_visibility section = DK_VIS_PUBLIC;
    uint32_t section_at = 0;
    bool have_section = false;

    /* the last bare section word before `n` */
    for (size_t wi = 0; kind == RB_PLAIN && wi < 3; wi++) {
        const char *word = rb_words[wi].text;
        size_t wl = strlen(word);
        const char *p = src + bs, *stop = src + at;
        while (p < stop && (p = memmem(p, (size_t)(stop - p), word, wl)) != NULL) {
            uint32_t off = (uint32_t)(p - src);
            p += wl;
            if ((off > 0 && rb_ident_char(src[off - 1])) ||
                (off + wl < len && rb_ident_char(src[off + wl])))
                continue;
            TSNode args;
            const struct rb_word *w = rb_statement_word(cx, body, off, (uint32_t)(off + wl), &args);
            if (w && ts_node_is_null(args) && (!have_section || off > section_at)) {
                section = w->vis;
                section_at = off;
                have_section = true;
            }
        }
    }

    /* the last explicit `word :name` in the body */
    dk_visibility explicit_vis = section;
    uint32_t explicit_at = 0;
    bool have_explicit = false;
    const char *sym = dk_lang_sprintf(cx, ":%s", name);
    size_t sl = strlen(sym);
    const char *p = src + bs, *stop = src + be;
    while (p < stop && (p = memmem(p, (size_t)(stop - p), sym, sl)) != NULL) {
        uint32_t off = (uint32_t)(p - src);
        p += sl;
        if (off + sl < len && rb_ident_char(src[off + sl]))
            continue;
        TSNode s = ts_node_named_descendant_for_byte_range(body, off, (uint32_t)(off + sl));
        if (!lang_is(s, "simple_symbol"))
            continue;
        TSNode stmt = ts_node_child_with_descendant(body, s);
        if (!lang_is(stmt, "call") || !ts_node_is_null(lang_field(stmt, "receiver")))
            continue;
        TSNode args = lang_field(stmt, "arguments");
        const struct rb_word *w = rb_word(cx, lang_field(stmt, "method"));
        if (w && w->applies == kind && rb_args_hold(args, s) &&
            (!have_explicit || off > explicit_at)) {
            explicit_vis = w->vis;
            explicit_at = off;
            have_explicit = true;
        }
    }
    return explicit_vis;
}

/* `require "x"` and friends at statement level: record the import. */
static bool rb_require(struct lang_ctx *cx, TSNode n)
{
    if (!lang_is(n, "call") || !ts_node_is_null(lang_field(n, "receiver")))
        return false;
    const char *m = dk_lang_text(cx, lang_field(n, "method"));
    bool relative = strcmp(m, "require_relative") == 0;
    if (!relative && strcmp(m, "require") != 0 && strcmp(m, "load") != 0)
        return false;
    TSNode args = lang_field(n, "arguments");
    TSNode arg = ts_node_is_null(args) ? args : rb_nth(args, 0);
    /* a plain string only: interpolated or computed paths are not known */
    if (!lang_is(arg, "string") || rb_count(arg) != 1 || !lang_is(rb_nth(arg, 0), "string_content"))
        return false;
    const char *mod = dk_lang_text(cx, rb_nth(arg, 0));
    /* require "x" loads a gem or a $LOAD_PATH entry; load and require_relative name files */
    bool external = strcmp(m, "require") == 0 && mod[0] != '.' && mod[0] != '/';
    dk_lang_add_import(cx, n, mod, NULL, NULL, external);
    return true;
}

/*
 * Every require in the subtree of `root`, in source order. Class and module
 * bodies below the root are scanned too: the walker only reaches those
 * nested directly in other bodies, and rb_classify does not scan them.
 */
static void rb_scan_requires(struct lang_ctx *cx, TSNode root)
{
    TSTreeCursor cur = ts_tree_cursor_new(root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        bool descend = !ts_node_is_error(n);
        if (descend && lang_is(n, "call"))
            rb_require(cx, n);
        if (descend && ts_tree_cursor_goto_first_child(&cur))
            continue;
        bool more = true;
        while (more && !ts_tree_cursor_goto_next_sibling(&cur))
            more = ts_tree_cursor_goto_parent(&cur);
        if (!more)
            break;
    }
    ts_tree_cursor_delete(&cur);
}

/* True if `n` sits directly in a `class << self` body. */
static bool rb_in_singleton_class(TSNode n)
{
    TSNode p = ts_node_parent(n);
    if (lang_is(p, "body_statement"))
        p = ts_node_parent(p);
    return lang_is(p, "singleton_class") && lang_is(lang_field(p, "value"), "self");
}

/* class << self: its defs are members of the enclosing class (see rb_classify) */
static const char *const rb_transparent[] = {"singleton_class", "body_statement", NULL};

static bool rb_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    TSNode def = n;
    bool in_type = parent_kind == DK_SYM_CLASS || parent_kind == DK_SYM_MODULE;
    bool explicit_vis = false;
    /* nodes the walker walks into (containers, transparent ones) are not scanned here */
    if (!lang_is(n, "class") && !lang_is(n, "module") && !dk_lang_is_any(n, rb_transparent))
        rb_scan_requires(cx, n);
    /*
     * A def passed to a receiver-less call is that def: `private def x`,
     * `private_class_method def self.x`, `memoize def x`. The call is the
     * declaration node; a visibility word sets the visibility.
     */
    if (lang_is(n, "call") && ts_node_is_null(lang_field(n, "receiver"))) {
        TSNode args = lang_field(n, "arguments");
        TSNode inner = rb_nth(args, 0);
        if (rb_count(args) != 1 ||
            !(lang_is(inner, "method") || lang_is(inner, "singleton_method")))
            return false;
        const struct rb_word *w = rb_word(cx, lang_field(n, "method"));
        def = inner;
        d->node = n;
        if (w && w->applies != RB_CONSTANT) {
            d->visibility = w->vis;
            explicit_vis = true;
        }
    }

    if (lang_is(def, "class") || lang_is(def, "module")) {
        d->kind = lang_is(def, "class") ? DK_SYM_CLASS : DK_SYM_MODULE;
        TSNode name = lang_field(def, "name");
        if (lang_is(name, "scope_resolution")) {
            /* A::B::C: qualifier "A.B", compacted in place in its arena copy */
            TSNode scope = lang_field(name, "scope");
            /* dk_lang_text of a null node (`class ::A`) is a static "": copy it */
            char *q = (char *)(ts_node_is_null(scope) ? dk_lang_strdup(cx, "", 0)
                                                      : dk_lang_text(cx, scope));
            size_t w = 0;
            for (size_t i = 0; q[i]; i++) {
                if (q[i] == ':' && q[i + 1] == ':') {
                    if (w > 0)
                        q[w++] = '.';
                    i++;
                } else {
                    q[w++] = q[i];
                }
            }
            q[w] = '\0';
            d->qualifier = q;
            name = lang_field(name, "name");
        }
        d->name_node = name;
        d->body = lang_field(def, "body");
        d->container = true;
        return !ts_node_is_null(d->name_node);
    }
    if (lang_is(def, "method") || lang_is(def, "singleton_method")) {
        /* def self.x ignores bare `private`; defs in class << self do not */
        bool singleton = lang_is(def, "singleton_method");
        d->kind = in_type ? DK_SYM_METHOD : DK_SYM_FUNCTION;
        d->name_node = lang_field(def, "name");
        d->body = lang_field(def, "body");
        if (singleton) {
            TSNode obj = lang_field(def, "object");
            d->qualifier = lang_is(obj, "self") ? "self" : dk_lang_text(cx, obj);
        } else if (rb_in_singleton_class(n)) {
            d->qualifier = "self";
        }
        if (ts_node_is_null(d->name_node))
            return false;
        const char *name = dk_lang_text(cx, d->name_node);
        if (!explicit_vis) {
            d->visibility = rb_member_visibility(cx, n, name, singleton ? RB_SINGLETON : RB_PLAIN);
            if (!d->qualifier && in_type && strcmp(name, "initialize") == 0)
                d->visibility = DK_VIS_PRIVATE;
        }
        return true;
    }
    if (lang_is(n, "assignment") && lang_is(lang_field(n, "left"), "constant")) {
        d->kind = DK_SYM_CONSTANT;
        d->name_node = lang_field(n, "left");
        d->visibility = rb_member_visibility(cx, n, dk_lang_text(cx, d->name_node), RB_CONSTANT);
        return true;
    }
    return false;
}

static const char *const rb_exts[] = {"rb", "rake", "gemspec", "ru", NULL};
static const char *const rb_files[] = {"Rakefile", "Gemfile", "Guardfile", "Vagrantfile", NULL};
static const char *const rb_interp[] = {"ruby", "jruby", NULL};
static const char *const rb_comments[] = {"comment", NULL};
static const struct lang_call_rule rb_calls[] = {
    {"call", "method", "receiver"},
    {NULL, NULL, NULL},
};

const dk_language dk_lang_ruby = {
    .name = "ruby",
    .grammar = tree_sitter_ruby,
    .extensions = rb_exts,
    .filenames = rb_files,
    .interpreters = rb_interp,
    .comment_types = rb_comments,
    .transparent_types = rb_transparent,
    .classify = rb_classify,
    .calls = rb_calls,
};
