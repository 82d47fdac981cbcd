/*
 * lang/lang_bash.c - Bash (and POSIX sh): functions, top-level variables;
 * `source` / `.` as imports; every command as a call.
 *
 * Symbols: `f() { }` and `function f { }` are functions. A top-level
 * assignment is a variable, or a constant when its name is UPPER_CASE or it
 * is made read-only (`readonly X=1`, `declare -r X=1`, `typeset -r`).
 * `export X=1` does not change the kind. Everything is public: shell has no
 * visibility (locals live in function bodies, which are not walked). A
 * declaration command with several assignments yields the first only.
 *
 * Imports: `source FILE` and `. FILE`, module = the file argument as written
 * with one layer of quotes stripped ("$(dirname "$0")/lib/log.sh" stays
 * symbolic). Internal, except absolute and home-relative paths (/etc/...,
 * ~/..., $HOME/...). The walker's import hook would run INSTEAD of call
 * recording on `command` nodes and stop the descent into their arguments,
 * so imports are collected here from classify instead: each top-level
 * statement is seen by classify exactly once, and its subtree (function
 * bodies, if/while blocks) is scanned for source commands, skipping ERROR
 * regions as the walker does. Those commands are still recorded as calls
 * to `source` / `.`.
 *
 * Calls: every `command`, callee = the command name as written (builtins
 * included: `echo`, `cd`, ...). Not method calls.
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_bash(void);

/* Null-safe tree access: the tree-sitter calls dereference a null node. */
static TSNode sh_child(TSNode n, const char *type)
{
    return ts_node_is_null(n) ? n : dk_lang_child_of_type(n, type);
}

static uint32_t sh_count(TSNode n)
{
    return ts_node_is_null(n) ? 0 : ts_node_named_child_count(n);
}

static TSNode sh_nth(TSNode n, uint32_t i)
{
    return ts_node_is_null(n) ? n : ts_node_named_child(n, i);
}

/* `source FILE` / `. FILE`: record the import. */
static void sh_source_command(struct lang_ctx *cx, TSNode cmd)
{
    TSNode name = lang_field(cmd, "name");
    if (!dk_lang_text_eq(cx, name, "source") && !dk_lang_text_eq(cx, name, "."))
        return;
    TSNode arg = lang_field(cmd, "argument");
    if (ts_node_is_null(arg))
        return;
    const char *mod = dk_lang_unquote(cx, dk_lang_text(cx, arg));
    bool external = mod[0] == '/' || mod[0] == '~' || strncmp(mod, "$HOME", 5) == 0 ||
                    strncmp(mod, "${HOME}", 7) == 0;
    dk_lang_add_import(cx, cmd, mod, NULL, NULL, external);
}

/* Every source command in the subtree of `root`, in source order; ERROR regions skipped. */
static void sh_scan_sources(struct lang_ctx *cx, TSNode root)
{
    TSTreeCursor cur = ts_tree_cursor_new(root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        bool descend = !ts_node_is_error(n);
        if (descend && lang_is(n, "command"))
            sh_source_command(cx, n);
        if (descend && ts_tree_cursor_goto_first_child(&cur))
            continue;
        bool up = true;
        while (!ts_tree_cursor_goto_next_sibling(&cur)) {
            if (!ts_tree_cursor_goto_parent(&cur)) {
                up = false;
                break;
            }
        }
        /* the cursor is rooted at `root`: goto_parent fails there */
        if (!up)
            break;
    }
    ts_tree_cursor_delete(&cur);
}

static bool sh_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    (void)parent_kind;
    sh_scan_sources(cx, n);
    if (lang_is(n, "function_definition")) {
        d->kind = DK_SYM_FUNCTION;
        d->name_node = lang_field(n, "name");
        d->body = lang_field(n, "body");
        return !ts_node_is_null(d->name_node);
    }
    TSNode as = n;
    bool readonly = false;
    if (lang_is(n, "declaration_command")) {
        /* export / readonly / declare / typeset / local, then flags and assignments */
        TSNode kw = ts_node_child(n, 0);
        readonly = dk_lang_text_eq(cx, kw, "readonly");
        as = sh_child(n, "variable_assignment");
        uint32_t c = sh_count(n);
        for (uint32_t i = 0; i < c && !readonly; i++) {
            TSNode w = sh_nth(n, i);
            const char *t = dk_lang_text(cx, w);
            /* -r, -rx, -ar ...: a flag word containing r */
            if (lang_is(w, "word") && t[0] == '-' && strchr(t, 'r'))
                readonly = true;
        }
        if (dk_lang_text_eq(cx, kw, "local"))
            return false;
    }
    if (!lang_is(as, "variable_assignment"))
        return false;
    TSNode name = lang_field(as, "name");
    if (!lang_is(name, "variable_name"))
        return false; /* arr[i]=x */
    d->name_node = name;
    d->kind = readonly || dk_lang_name_is_upper(dk_lang_text(cx, name)) ? DK_SYM_CONSTANT
                                                                        : DK_SYM_VARIABLE;
    return true;
}

static const char *const sh_exts[] = {"sh", "bash", NULL};
static const char *const sh_files[] = {".bashrc",      ".bash_profile", ".bash_login",
                                       ".bash_logout", ".profile",      NULL};
static const char *const sh_interp[] = {"bash", "sh", "dash", NULL};
static const char *const sh_comments[] = {"comment", NULL};
static const struct lang_call_rule sh_calls[] = {
    {"command", "name", NULL},
    {NULL, NULL, NULL},
};

const dk_language dk_lang_bash = {
    .name = "bash",
    .grammar = tree_sitter_bash,
    .extensions = sh_exts,
    .filenames = sh_files,
    .interpreters = sh_interp,
    .comment_types = sh_comments,
    .classify = sh_classify,
    .calls = sh_calls,
};
