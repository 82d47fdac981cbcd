/*
 * lang/members.c - members below declarations (dk_lang_members).
 *
 * A language lists the node types that hold ordered members
 * (lang_member_list: Rust field_declaration_list, enum_variant_list,
 * use_list, a derive's token_tree; C's field_declaration_list and
 * enumerator_list; Go's struct fields; JS/TS named_imports, enum bodies and
 * object literals; Python's from-import names and dict entries; C and C++
 * designated initializers). One parse, one depth-first walk: a node that is such a
 * list (and holds no syntax error, only members, comments and attributes,
 * and no member whose value is such a list: a table of tables is its inner
 * lists) is recorded and not entered; every other node is entered.
 *
 * A member takes the comments and attributes that start on a line after the
 * previous member's end (a comment on the previous member's line is that
 * member's trailing comment and stays in the separator). Its key is its
 * name ("name" field, a dict entry's "key", or the innermost declarator
 * of a C field; a designated initializer's designators and `=`), else its
 * text with whitespace runs collapsed. A JavaScript object's entry is keyed
 * by its property name as a string (`a: 1`, `'a': 1`, `a() {}` and `a` are
 * key 'a); an entry the name of which is no plain identifier or string
 * (`1:`, `[k]:`, `'\x61':`) makes its object no member list.
 *
 * Ownership: the result and everything it points to live in one arena, the
 * first allocation of which is the result itself.
 */
#include <stdlib.h>
#include <string.h>

#include "lang/lang_int.h"
#include "util/arena.h"
#include "util/str.h"
#include "util/vec.h"

#include "util/banned.h"

struct members_box {
    dk_members pub;
    dk_arena arena;
};

struct collect {
    const char *src;
    const dk_language *lang;
    dk_arena *arena;
    dk_vec(dk_member_list) lists;
    dk_vec(dk_member) members;
};

static const struct lang_member_list *list_rule(const dk_language *lang, TSNode n)
{
    for (const struct lang_member_list *r = lang->member_lists; r->type; r++) {
        if (!lang_is(n, r->type))
            continue;
        if (r->parent && !lang_is(ts_node_parent(n), r->parent))
            continue;
        return r;
    }
    return NULL;
}

static bool is_decoration(const dk_language *lang, TSNode n)
{
    return (lang->comment_types && dk_lang_is_any(n, lang->comment_types)) ||
           (lang->attribute_types && dk_lang_is_any(n, lang->attribute_types));
}

/*
 * The node that names a member: its "name" field, its "key" (a Python dict
 * entry), or the innermost "declarator" (C fields).
 */
static TSNode name_node(TSNode n)
{
    TSNode name = lang_field(n, "name");
    if (!ts_node_is_null(name))
        return name;
    name = lang_field(n, "key");
    if (!ts_node_is_null(name))
        return name;
    TSNode d = lang_field(n, "declarator");
    while (!ts_node_is_null(d)) {
        TSNode inner = lang_field(d, "declarator");
        if (ts_node_is_null(inner))
            return d;
        d = inner;
    }
    return d;
}

/*
 * A string literal key ('a', "a", '''a''') without its quotes, after its
 * prefix letters ("b" for b'a'; none for u'a', nor for r'a' without a
 * backslash, the same string): one key whatever quotes or prefix a side
 * rewrote it with. False when [*a, *z) is no quoted string.
 */
static bool unquote(const char *src, uint32_t *a, uint32_t *z, dk_str *k)
{
    uint32_t p = *a;
    while (p < *z && ((src[p] >= 'a' && src[p] <= 'z') || (src[p] >= 'A' && src[p] <= 'Z')))
        p++;
    if (p >= *z || (src[p] != '\'' && src[p] != '"'))
        return false;
    char q = src[p];
    uint32_t nq = p + 2 < *z && src[p + 1] == q && src[p + 2] == q && *z - p >= 6 ? 3 : 1;
    if (*z - p < 2 * nq)
        return false;
    for (uint32_t i = 0; i < nq; i++) {
        if (src[*z - 1 - i] != q)
            return false;
    }
    /* u'a' is 'a' (Python 3), and so is r'a' without a backslash: one key, not two */
    bool backslash = memchr(src + p, '\\', *z - p) != NULL;
    for (uint32_t i = *a; i < p; i++) {
        char ch = (char)(src[i] | 0x20);
        if (ch != 'u' && !(ch == 'r' && !backslash))
            dk_str_addch(k, ch);
    }
    dk_str_addch(k, '\'');
    *a = p + nq;
    *z -= nq;
    return true;
}

/*
 * A designated initializer whose designator overlaps entries other members
 * name, so which value an entry gets depends on their order: a GNU range
 * (`[2 ... 6] = v` and `[5] = w`) or a path of designators (`.pos.y = 2`
 * and `.pos = origin`: the later one wins). Its list is no member list.
 */
static bool range_designated(TSNode n)
{
    uint32_t designators = 0;
    for (uint32_t i = 0, nc = ts_node_named_child_count(n); i < nc; i++) {
        TSNode d = ts_node_named_child(n, i);
        if (lang_is(d, "subscript_range_designator"))
            return true;
        designators += lang_is(d, "field_designator") || lang_is(d, "subscript_designator");
    }
    return designators > 1;
}

/*
 * A key literal that may name the key another one names in other words, so
 * two sides adding both would set one key twice: a Python dict's `True`
 * and `1`, `1.0` and `1`, `0x1` and `1`, `'\x61'` or `f'a'` and `'a'`,
 * `'a' 'b'` and `'ab'`.
 */
static bool ambiguous_key(const char *src, TSNode name)
{
    if (lang_is(name, "float") || lang_is(name, "true") || lang_is(name, "false") ||
        lang_is(name, "concatenated_string"))
        return true;
    uint32_t a = ts_node_start_byte(name), z = ts_node_end_byte(name);
    if (lang_is(name, "integer")) {
        for (uint32_t i = a; i < z; i++) {
            if (src[i] < '0' || src[i] > '9')
                return true;
        }
        return z - a > 1 && src[a] == '0';
    }
    if (lang_is(name, "string")) {
        if (memchr(src + a, '\\', z - a))
            return true;
        for (uint32_t i = a; i < z && src[i] != '\'' && src[i] != '"'; i++) {
            if (src[i] == 'f' || src[i] == 'F')
                return true;
        }
    }
    return false;
}

static const char *member_key(struct collect *c, TSNode n)
{
    TSNode name = name_node(n);
    if (!ts_node_is_null(name) && ambiguous_key(c->src, name))
        return NULL;
    uint32_t a = ts_node_start_byte(ts_node_is_null(name) ? n : name);
    uint32_t z = ts_node_end_byte(ts_node_is_null(name) ? n : name);
    /* a designated initializer (`[KEY] = v`, `.a.b = v`): its designators up to the value */
    TSNode value = lang_field(n, "value");
    if (ts_node_is_null(name) && !ts_node_is_null(lang_field(n, "designator")) &&
        !ts_node_is_null(value))
        z = ts_node_start_byte(value);
    dk_str k = DK_STR_INIT;
    if (!ts_node_is_null(name) && lang_is(name, "string") && unquote(c->src, &a, &z, &k)) {
        dk_str_add(&k, c->src + a, z - a);
        const char *key = dk_arena_strndup(c->arena, k.ptr, k.len);
        dk_str_release(&k);
        return key;
    }
    bool space = false;
    for (uint32_t i = a; i < z; i++) {
        char ch = c->src[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            space = k.len > 0;
            continue;
        }
        if (space)
            dk_str_addch(&k, ' ');
        space = false;
        dk_str_addch(&k, ch);
    }
    const char *key = dk_arena_strndup(c->arena, k.ptr ? k.ptr : "", k.len);
    dk_str_release(&k);
    return key;
}

/*
 * The key of an object literal's entry: its property name after a quote,
 * the key a string names gets from unquote ('a). NULL when the name is no
 * identifier nor a string, or holds an escape.
 */
static const char *property_key(struct collect *c, TSNode n)
{
    TSNode name = lang_is(n, "shorthand_property_identifier") ? n : name_node(n);
    if (ts_node_is_null(name))
        return NULL;
    uint32_t a = ts_node_start_byte(name), z = ts_node_end_byte(name);
    /* an escape in a name (`\u0061: 1`, `'\x61': 1`) may name a key written plainly */
    if (memchr(c->src + a, '\\', z - a))
        return NULL;
    dk_str k = DK_STR_INIT;
    if (lang_is(name, "property_identifier") || lang_is(name, "shorthand_property_identifier")) {
        dk_str_addch(&k, '\'');
    } else if (!lang_is(name, "string") || !unquote(c->src, &a, &z, &k)) {
        dk_str_release(&k);
        return NULL;
    }
    dk_str_add(&k, c->src + a, z - a);
    const char *key = dk_arena_strndup(c->arena, k.ptr, k.len);
    dk_str_release(&k);
    return key;
}

static uint32_t row_of_end(TSNode n)
{
    return ts_node_end_point(n).row;
}

/* Record list node `n` under `rule` when it holds only members; false when it does not. */
static bool take_list(struct collect *c, TSNode n, const struct lang_member_list *rule)
{
    size_t first = c->members.len;
    TSTreeCursor cur = ts_tree_cursor_new(n);
    bool ok = true, pending = false;
    uint32_t pending_start = 0;
    TSNode prev = {0};
    bool have_prev = false;
    if (ts_tree_cursor_goto_first_child(&cur)) {
        do {
            TSNode ch = ts_tree_cursor_current_node(&cur);
            if (!ts_node_is_named(ch))
                continue;
            const char *field = ts_tree_cursor_current_field_name(&cur);
            if (is_decoration(c->lang, ch)) {
                /* a comment on the previous member's last line trails it: separator text */
                if (!pending && !(have_prev && ts_node_start_point(ch).row == row_of_end(prev))) {
                    pending = true;
                    pending_start = ts_node_start_byte(ch);
                }
                continue;
            }
            if (rule->field && (!field || strcmp(field, rule->field) != 0))
                continue; /* text of the list's own (Python's module name) */
            if (rule->members && !dk_lang_is_any(ch, rule->members)) {
                ok = false;
                break;
            }
            /* a member whose value is a list itself (a table of tables): the inner lists
             * are the member lists, this one's text is around them */
            TSNode value = lang_field(ch, "value");
            if (!ts_node_is_null(value) && list_rule(c->lang, value)) {
                ok = false;
                break;
            }
            if (range_designated(ch)) {
                ok = false;
                break;
            }
            const char *key = rule->property_keys ? property_key(c, ch) : member_key(c, ch);
            if (!key) {
                ok = false;
                break;
            }
            dk_member *m = dk_vec_push_zero(&c->members);
            m->start = pending ? pending_start : ts_node_start_byte(ch);
            m->end = ts_node_end_byte(ch);
            m->key = key;
            pending = false;
            prev = ch;
            have_prev = true;
        } while (ts_tree_cursor_goto_next_sibling(&cur));
    }
    ts_tree_cursor_delete(&cur);
    if (!ok || pending) {
        /* a comment or attribute after the last member: not a member list we can rebuild */
        c->members.len = first;
        return false;
    }
    dk_member_list *l = dk_vec_push_zero(&c->lists);
    l->start = ts_node_start_byte(n);
    l->end = ts_node_end_byte(n);
    l->first = first;
    l->count = c->members.len - first;
    return true;
}

static void walk(struct collect *c, TSNode root)
{
    TSTreeCursor cur = ts_tree_cursor_new(root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        const struct lang_member_list *rule = ts_node_is_named(n) ? list_rule(c->lang, n) : NULL;
        bool taken = rule && !ts_node_has_error(n) && take_list(c, n, rule);
        if (!taken && ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&cur)) {
            if (!ts_tree_cursor_goto_parent(&cur)) {
                ts_tree_cursor_delete(&cur);
                return;
            }
        }
    }
}

int dk_lang_members(dk_members **out, const dk_language *lang, const char *src, size_t len)
{
    *out = NULL;
    if (!lang->member_lists)
        return dk_error_set(DK_EUNSUPPORTED, "%s has no member lists", lang->name);
    if (len > DK_LANG_MAX_SOURCE)
        return dk_error_set(DK_ELIMIT, "source of %zu bytes is over the limit", len);
    TSParser *parser = ts_parser_new();
    if (!ts_parser_set_language(parser, lang->grammar())) {
        ts_parser_delete(parser);
        return dk_error_set(DK_EUNSUPPORTED, "the %s grammar cannot be loaded", lang->name);
    }
    TSTree *tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)len);
    ts_parser_delete(parser);
    if (!tree)
        return dk_error_set(DK_ELIMIT, "the %s parser gave up", lang->name);
    dk_arena arena = DK_ARENA_INIT;
    struct members_box *box = dk_arena_calloc(&arena, 1, sizeof(*box));
    struct collect c = {.src = src, .lang = lang, .arena = &arena};
    dk_vec_init(&c.lists);
    dk_vec_init(&c.members);
    walk(&c, ts_tree_root_node(tree));
    ts_tree_delete(tree);
    dk_member_list *lists = dk_arena_calloc(&arena, c.lists.len + 1, sizeof(*lists));
    dk_member *members = dk_arena_calloc(&arena, c.members.len + 1, sizeof(*members));
    if (c.lists.len)
        memcpy(lists, c.lists.items, c.lists.len * sizeof(*lists));
    if (c.members.len)
        memcpy(members, c.members.items, c.members.len * sizeof(*members));
    box->pub = (dk_members){lists, c.lists.len, members, c.members.len};
    dk_vec_release(&c.lists);
    dk_vec_release(&c.members);
    box->arena = arena;
    *out = &box->pub;
    return DK_OK;
}

void dk_members_free(dk_members *m)
{
    if (!m)
        return;
    struct members_box *box = (struct members_box *)m;
    dk_arena arena = box->arena;
    dk_arena_release(&arena);
}
