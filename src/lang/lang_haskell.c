/*
 * lang/lang_haskell.c - Haskell (tree-sitter-haskell).
 *
 * Symbols:
 *   f :: T / f x = ... / f y = ...   -> one function named f (method inside a
 *                                       class or instance); see "Functions"
 *   data T, newtype T                -> struct
 *   type T = ..., type family T      -> type
 *   class C a where ...              -> trait; its signatures are prototypes,
 *                                       a signature with a default equation a
 *                                       method
 *   instance C T where ...           -> impl named "instance C T"
 * The module header is not a symbol: its declarations are its siblings in
 * the tree, not its children, and the module name is the file's identity
 * already. Data constructors and record fields are not symbols.
 *
 * Functions: the grammar gives a type signature and each equation (clause)
 * as separate sibling nodes. classify() reports the first node of a run (a
 * signature, or an equation not preceded by a signature or equation of the
 * same name) with `last` = the run's last equation, so the symbol spans the
 * signature and every clause; the walker skips the rest of the run.
 *
 * Visibility: with an export list in the module header, top-level names not
 * in it are private; without one everything is public. Class and instance
 * members, and instances, are public.
 *
 * Comments: `--` / `{- -}` comments and Haddock `-- |` attach through the
 * walker. The grammar places a Haddock comment that precedes the first
 * declaration after the imports inside the `imports` node, and one that
 * precedes the first member of a class inside the `class` node, so those two
 * do not attach (no sibling relation the walker can see).
 *
 * Imports: one record per name of an import list, else one for the module;
 * `as M` is the alias; `hiding (...)` imports the module (the hidden names
 * are not recorded); `qualified` changes nothing. All external.
 *
 * Calls: none. Application is curried (`f a b` is apply(apply(f, a), b)), so
 * a rule on `apply` would report "f a" and "f" for one call.
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_haskell(void);

static TSNode hs_field(TSNode n, const char *field)
{
    return ts_node_is_null(n) ? n : lang_field(n, field);
}

static bool hs_is_comment(TSNode n)
{
    return lang_is(n, "comment") || lang_is(n, "haddock") || lang_is(n, "pragma") ||
           lang_is(n, "cpp");
}

static bool hs_is_equation(TSNode n)
{
    return lang_is(n, "function") || lang_is(n, "bind");
}

/* The name a signature or equation defines, or a null node. */
static TSNode hs_decl_name(TSNode n)
{
    if (lang_is(n, "signature") || hs_is_equation(n))
        return hs_field(n, "name");
    return (TSNode){0};
}

static TSNode hs_prev(TSNode n)
{
    TSNode p = ts_node_prev_named_sibling(n);
    while (!ts_node_is_null(p) && hs_is_comment(p))
        p = ts_node_prev_named_sibling(p);
    return p;
}

static TSNode hs_next(TSNode n)
{
    TSNode p = ts_node_next_named_sibling(n);
    while (!ts_node_is_null(p) && hs_is_comment(p))
        p = ts_node_next_named_sibling(p);
    return p;
}

static bool hs_same_name(struct lang_ctx *cx, TSNode a, TSNode b)
{
    TSNode na = hs_decl_name(a), nb = hs_decl_name(b);
    if (ts_node_is_null(na) || ts_node_is_null(nb))
        return false;
    return strcmp(dk_lang_text(cx, na), dk_lang_text(cx, nb)) == 0;
}

/* Exported from the module? True when there is no export list. */
static bool hs_is_exported(struct lang_ctx *cx, TSNode n, const char *name)
{
    TSNode root = n;
    for (TSNode p = ts_node_parent(root); !ts_node_is_null(p); p = ts_node_parent(p))
        root = p;
    TSNode header = dk_lang_child_of_type(root, "header");
    TSNode exports = hs_field(header, "exports");
    if (ts_node_is_null(exports))
        return true;
    uint32_t c = ts_node_named_child_count(exports);
    for (uint32_t i = 0; i < c; i++) {
        TSNode e = ts_node_named_child(exports, i);
        if (!lang_is(e, "export"))
            continue;
        static const char *const fields[] = {"variable", "type", "operator"};
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
            TSNode x = lang_field(e, fields[f]);
            if (dk_lang_text_eq(cx, x, name))
                return true;
        }
    }
    return false;
}

/* "instance Show Cart": the class and its type arguments, whitespace collapsed. */
static const char *hs_instance_name(struct lang_ctx *cx, TSNode n)
{
    TSNode name = lang_field(n, "name");
    if (ts_node_is_null(name))
        return NULL;
    TSNode pats = lang_field(n, "patterns");
    uint32_t end = ts_node_is_null(pats) ? ts_node_end_byte(name) : ts_node_end_byte(pats);
    const char *raw = dk_lang_text_range(cx, ts_node_start_byte(name), end);
    char buf[256];
    size_t w = 0;
    bool space = false;
    for (const char *p = raw; *p && w + 2 < sizeof(buf); p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            space = w > 0;
            continue;
        }
        if (space)
            buf[w++] = ' ';
        space = false;
        buf[w++] = *p;
    }
    return dk_lang_sprintf(cx, "instance %.*s", (int)w, buf);
}

static bool hs_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    const char *t = ts_node_type(n);
    if (strcmp(t, "signature") == 0 || strcmp(t, "function") == 0 || strcmp(t, "bind") == 0) {
        d->name_node = hs_decl_name(n);
        if (ts_node_is_null(d->name_node))
            return false;
        /* a later node of a signature + equations run belongs to the first one */
        TSNode prev = hs_prev(n);
        if (hs_is_equation(n) && hs_same_name(cx, prev, n))
            return false;
        d->kind = DK_SYM_FUNCTION;
        if (lang_is(n, "signature")) {
            TSNode next = hs_next(n);
            if (!hs_is_equation(next) || !hs_same_name(cx, next, n))
                d->kind = DK_SYM_PROTOTYPE;
        }
        /* the symbol runs through the last equation of the run */
        for (TSNode next = hs_next(n); hs_is_equation(next) && hs_same_name(cx, next, n);
             next = hs_next(next))
            d->last = next;
    } else if (strcmp(t, "data_type") == 0 || strcmp(t, "newtype") == 0) {
        d->kind = DK_SYM_STRUCT;
        d->name_node = lang_field(n, "name");
    } else if (strcmp(t, "type_synomym") == 0 || strcmp(t, "type_family") == 0) {
        d->kind = DK_SYM_TYPE;
        d->name_node = lang_field(n, "name");
    } else if (strcmp(t, "class") == 0) {
        d->kind = DK_SYM_TRAIT;
        d->name_node = lang_field(n, "name");
        d->body = lang_field(n, "declarations");
        d->container = true;
    } else if (strcmp(t, "instance") == 0) {
        d->kind = DK_SYM_IMPL;
        d->name = hs_instance_name(cx, n);
        d->body = lang_field(n, "declarations");
        d->container = true;
        d->visibility = DK_VIS_PUBLIC;
        return d->name != NULL;
    } else {
        return false;
    }
    if (ts_node_is_null(d->name_node))
        return false;
    d->visibility = DK_VIS_PUBLIC;
    if (parent_kind < 0 && !hs_is_exported(cx, n, dk_lang_text(cx, d->name_node)))
        d->visibility = DK_VIS_PRIVATE;
    return true;
}

/* The imported thing of an import_name: `foo`, `Foo` of `Foo(..)`, `(<>)`. */
static const char *hs_import_name(struct lang_ctx *cx, TSNode in)
{
    static const char *const fields[] = {"variable", "type", "operator"};
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        TSNode x = lang_field(in, fields[f]);
        if (!ts_node_is_null(x))
            return dk_lang_text(cx, x);
    }
    return dk_lang_text(cx, in);
}

static void hs_import(struct lang_ctx *cx, TSNode n)
{
    const char *module = dk_lang_text(cx, lang_field(n, "module"));
    TSNode alias_node = lang_field(n, "alias");
    const char *alias = ts_node_is_null(alias_node) ? NULL : dk_lang_text(cx, alias_node);
    TSNode names = lang_field(n, "names");
    bool hiding = dk_lang_has_child_text(cx, n, "hiding");
    bool any = false;
    if (!ts_node_is_null(names) && !hiding) {
        uint32_t c = ts_node_named_child_count(names);
        for (uint32_t i = 0; i < c; i++) {
            TSNode in = ts_node_named_child(names, i);
            if (!lang_is(in, "import_name"))
                continue;
            dk_lang_add_import(cx, n, module, hs_import_name(cx, in), alias, true);
            any = true;
        }
    }
    if (!any)
        dk_lang_add_import(cx, n, module, NULL, alias, true);
}

static const char *const hs_exts[] = {"hs", NULL};
static const char *const hs_interp[] = {"runhaskell", "runghc", NULL};
static const char *const hs_comments[] = {"comment", "haddock", NULL};
static const char *const hs_transparent[] = {"declarations", NULL};
static const char *const hs_imports[] = {"import", NULL};

const dk_language dk_lang_haskell = {
    .name = "haskell",
    .grammar = tree_sitter_haskell,
    .extensions = hs_exts,
    .interpreters = hs_interp,
    .comment_types = hs_comments,
    .transparent_types = hs_transparent,
    .classify = hs_classify,
    .import_types = hs_imports,
    .import = hs_import,
};
