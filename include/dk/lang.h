/*
 * dk/lang.h - code intelligence: languages, symbols, imports and calls.
 *
 * One model for every language. dk_lang_analyze parses a file with
 * tree-sitter and returns its declarations (with qualified name paths for
 * nested ones), imports, call sites and syntax-error ranges. It is pure: no
 * I/O, no globals beyond read-only tables, safe to call from any thread.
 *
 * Ownership: a dk_analysis is immutable once returned and reference counted
 * (atomically), so a cache can hand the same result to many threads. All
 * strings inside it live as long as it does. Release with dk_analysis_unref.
 *
 * Spans: byte offsets are [start, end); lines are 1-based and inclusive.
 */
#ifndef DK_LANG_H
#define DK_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/errors.h"

/** What a declaration is. The string forms are dk_symbol_kind_name(). */
typedef enum dk_symbol_kind {
    DK_SYM_FUNCTION = 0, /* free function */
    DK_SYM_METHOD,       /* function declared inside a class, struct, impl, trait, ... */
    DK_SYM_CLASS,
    DK_SYM_STRUCT,
    DK_SYM_UNION,
    DK_SYM_ENUM,
    DK_SYM_INTERFACE, /* interface, protocol */
    DK_SYM_TRAIT,     /* Rust/Scala trait, Haskell type class */
    DK_SYM_IMPL,      /* Rust impl block, Swift/Kotlin extension */
    DK_SYM_TYPE,      /* type alias, typedef */
    DK_SYM_CONSTANT,
    DK_SYM_VARIABLE,
    DK_SYM_MODULE,    /* module, namespace, package object */
    DK_SYM_MACRO,     /* C #define, Rust macro_rules! */
    DK_SYM_PROTOTYPE, /* a function declared without a body (C prototype, abstract method) */
    DK_SYM_INCLUDE,   /* C/C++ #include (its name is the header as written) */
    DK_SYM_KIND_COUNT
} dk_symbol_kind;

typedef enum dk_visibility {
    DK_VIS_PUBLIC = 0,
    DK_VIS_PRIVATE,
    DK_VIS_PROTECTED,
    DK_VIS_INTERNAL, /* package/crate/module-internal */
} dk_visibility;

typedef struct dk_span {
    uint32_t start_byte;
    uint32_t end_byte;
    /* 1-based, inclusive */
    uint32_t start_line;
    uint32_t end_line;
} dk_span;

typedef struct dk_symbol {
    dk_symbol_kind kind;
    dk_visibility visibility;
    /* bare name: "fmt", "Parser", "<stdio.h>" */
    const char *name;
    /* path of names from the outermost container: "Outer.Inner.method", "impl Display for Foo.fmt"
     */
    const char *qualified_name;
    /* deterministic, unique within the file: "<qualified>::<kind>" plus "#<n>" for the n-th (n>=2)
     * duplicate */
    const char *local_id;
    /* 0 for the first declaration with this qualified name and kind, 1 for the next, ... */
    uint32_t occurrence;
    /* index of the enclosing symbol in dk_analysis.symbols, or -1 at top level */
    int32_t parent;
    /* the whole declaration including leading doc comments, attributes and decorators, and a
     * one-line comment that ends its last line */
    dk_span span;
    /* the declaration proper (span without the leading comments/attributes) */
    dk_span decl;
    /* the body (block, class body, ...); valid only when has_body */
    dk_span body;
    bool has_body;
    /* declaration head up to the body, whitespace runs collapsed to one space */
    const char *signature;
} dk_symbol;

typedef struct dk_import {
    /* module or header as written, quotes stripped: "os.path", "<stdio.h>", "./util" */
    const char *module;
    /* the imported name, or NULL when the whole module is imported */
    const char *name;
    /* local alias, or NULL */
    const char *alias;
    /* true when the module is outside the project (a package, a system header) */
    bool is_external;
    dk_span span;
} dk_import;

typedef struct dk_call {
    /* callee as written: "foo", "self.bar", "std::fs::read", "obj.method" */
    const char *callee;
    /* innermost enclosing symbol (index into symbols), -1 at top level */
    int32_t enclosing;
    /* true for a method call through a receiver (obj.m(), obj->m()) */
    bool is_method;
    dk_span span;
} dk_call;

typedef struct dk_analysis {
    /* language name ("python", ...) */
    const char *language;
    /* in source order of their start; parents precede their members */
    const dk_symbol *symbols;
    size_t nsymbols;
    const dk_import *imports;
    size_t nimports;
    const dk_call *calls;
    size_t ncalls;
    /* top-most ERROR/MISSING regions, in source order */
    const dk_span *errors;
    size_t nerrors;
    /* bytes of the source that was analysed */
    size_t source_len;
} dk_analysis;

/** A registered language. */
typedef struct dk_language dk_language;

/**
 * Find the language for `path`: by extension (case-insensitive), then by
 * well-known file names, then by a `#!` line in `src` (may be NULL). A
 * `src` that is XML (`<?xml` or `<!DOCTYPE` first: a Qt `.ts` translation
 * file is not TypeScript) has no language.
 * @return the language (static, never freed) or NULL if unsupported.
 */
DK_EXTERN const dk_language *dk_language_for_path(const char *path, const char *src, size_t len);
/** Language by name ("python", "tsx", ...), or NULL. */
DK_EXTERN const dk_language *dk_language_by_name(const char *name);
DK_EXTERN const char *dk_language_name(const dk_language *lang);
/**
 * True if a function may be declared apart from its definition (C and C++
 * prototypes): then a prototype and a definition of one name are two
 * declarations, where elsewhere they would be one declared twice.
 */
DK_EXTERN bool dk_language_has_forward_decls(const dk_language *lang);
/**
 * True if #if/#ifdef/#else lines choose between alternative texts (C and
 * C++): then one name defined in two branches is two alternatives, not a
 * duplicate.
 */
DK_EXTERN bool dk_language_has_preprocessor(const dk_language *lang);
/**
 * True if declarations of `kind` may be overloaded in `lang`: one name with
 * different parameters is different declarations (C++, Java, C# functions
 * and methods; TypeScript overload signatures, DK_SYM_PROTOTYPE).
 */
DK_EXTERN bool dk_language_overloads(const dk_language *lang, dk_symbol_kind kind);
/** NULL-terminated list of extensions (without dots). */
DK_EXTERN const char *const *dk_language_extensions(const dk_language *lang);
/** The i-th registered language, NULL past the end. */
DK_EXTERN const dk_language *dk_language_at(size_t i);

/**
 * The tree-sitter syntax tree of `src` as an S-expression, for writing
 * language support and tests. Returns a malloc'd string (caller frees) or
 * NULL if the language cannot be loaded. Thread-safe.
 */
DK_EXTERN char *dk_lang_debug_tree(const dk_language *lang, const char *src, size_t len);

/** Maximum source size dk_lang_analyze accepts (bytes). */
#define DK_LANG_MAX_SOURCE (16u << 20)

/**
 * Parse `src` (`len` bytes) as `lang` and extract symbols, imports, calls and
 * error ranges. Malformed input yields what can be recovered plus error
 * ranges; it never crashes.
 * @param[out] out new analysis with refcount 1 (caller unrefs)
 * @return DK_OK; DK_EBINARY for content with NUL bytes; DK_ELIMIT over
 *         DK_LANG_MAX_SOURCE or when the parser used up its work budget
 *         (dk_lang_opts.work_budget: counted work, never time, so the same
 *         on any machine); DK_EINVALID for invalid UTF-8.
 * Thread-safe.
 */
DK_EXTERN int dk_lang_analyze(dk_analysis **out, const dk_language *lang, const char *src,
                              size_t len);

/** Flags of dk_lang_analyze_ex. */
enum dk_lang_flags {
    /* symbols, imports near the top and error ranges only; no calls (for the merge) */
    DK_LANG_OUTLINE = 1u << 0,
    /* keep the syntax tree in the analysis so a later analysis can start from it */
    DK_LANG_KEEP_TREE = 1u << 1,
};

typedef struct dk_lang_opts {
    unsigned version;
    /* dk_lang_flags */
    unsigned flags;
    /* an analysis (made with DK_LANG_KEEP_TREE, same language) of a similar text,
     * prev_src[0, prev_len): the text prev was made from. prev's tree is edited by a
     * line diff of prev_src -> src and re-parsed incrementally, which re-uses every
     * unchanged subtree */
    const dk_analysis *prev;
    const char *prev_src;
    size_t prev_len;
    /* parser work allowed, in tree-sitter progress callbacks (~100 parse
     * actions each); 0: the default, proportional to the input's size. Work,
     * not time, so an input is accepted or refused the same on any machine. */
    uint64_t work_budget;
} dk_lang_opts;

#define DK_LANG_OPTS_VERSION 1
#define DK_LANG_OPTS_INIT                                                                          \
    {                                                                                              \
        .version = DK_LANG_OPTS_VERSION                                                            \
    }

/**
 * dk_lang_analyze with options (NULL: defaults). The result is the same as
 * a fresh analysis of `src` whatever `prev` is. Errors as dk_lang_analyze,
 * plus DK_EINVALID for a bad options version. Thread-safe; `prev` may be
 * shared with other threads.
 */
DK_EXTERN int dk_lang_analyze_ex(dk_analysis **out, const dk_language *lang, const char *src,
                                 size_t len, const dk_lang_opts *opts);

/**
 * The statements below the syntax node that spans exactly [start, end) of
 * the analysed source, or when none does (a function and the comment after
 * its `}`), below the children of the smallest node holding that span that
 * lie within it, when the first starts at `start` and the last ends at `end`:
 * the named children (comments included) of the
 * outermost statement lists under it (a function's body block, an `if`'s
 * branches, a switch's cases, a match's arms, a closure's body), in source
 * order, nested lists not entered. For merging a body statement by
 * statement. Lines are filled in (1-based, inclusive).
 * @param a an analysis made with DK_LANG_KEEP_TREE
 * @param[out] out malloc'd array of *n spans (caller frees); NULL when *n is 0
 * @return DK_OK (possibly none); DK_EINVALID when `a` kept no tree;
 *         DK_EUNSUPPORTED when the language names no statement lists;
 *         DK_ENOTFOUND when no node or run of sibling nodes spans exactly
 *         [start, end).
 * Thread-safe: reads a copy of the shared tree.
 */
DK_EXTERN int dk_analysis_statements(const dk_analysis *a, uint32_t start, uint32_t end,
                                     dk_span **out, size_t *n);

/**
 * The name of the statement that spans exactly [start, end) of `src` (the
 * text `a` analysed), when the language counts it as one of a set of
 * independent blocks that are collected and run by name, whose relative
 * order changes nothing any of them does: a JavaScript/TypeScript test
 * block whose first argument is a one-line string and whose last is a
 * function (`it('works', fn)`, `describe.skip('x', () => {..})`), named
 * `it('works')`. Any other statement (a hook such as `beforeEach(fn)`, a
 * route `app.get('/a', fn)`, an assignment) has no such name.
 * @param a an analysis of `src` made with DK_LANG_KEEP_TREE
 * @param[out] name malloc'd name (caller frees), or NULL when the statement
 *             has none
 * @return DK_OK (a name or NULL); DK_EINVALID when `a` kept no tree or
 *         [start, end) is not within `src`; DK_ENOTFOUND when no node spans
 *         exactly [start, end).
 * Thread-safe: reads a copy of the shared tree.
 */
DK_EXTERN int dk_analysis_statement_name(const dk_analysis *a, const char *src, size_t len,
                                         uint32_t start, uint32_t end, char **name);

/*
 * Members below declarations: the ordered lists of a text (a struct's or
 * union's fields, an enum's variants or constants, the names of a
 * brace-grouped `use` or of an import list, a derive's arguments), each
 * member with the comments and attributes above it and a key: its name (a
 * field's, a variant's, an imported name's), else its text with whitespace
 * runs collapsed. Only lists without syntax errors, outermost first (a list
 * inside a member is part of that member).
 */
typedef struct dk_member {
    /* bytes of the member, from its first leading comment/attribute */
    uint32_t start, end;
    const char *key;
} dk_member;

typedef struct dk_member_list {
    /* the list node (its delimiters and separators included) */
    uint32_t start, end;
    /* its members: dk_members.members[first .. first + count) */
    size_t first, count;
} dk_member_list;

typedef struct dk_members {
    const dk_member_list *lists;
    size_t nlists;
    const dk_member *members;
    size_t nmembers;
} dk_members;

/**
 * Parse `src` (`len` bytes, a whole file or a declaration on its own) as
 * `lang` and find its member lists, in source order.
 * @param[out] out a new result (caller frees with dk_members_free); lists may be empty
 * @return DK_OK; DK_EUNSUPPORTED when the language has no member lists;
 *         DK_ELIMIT over DK_LANG_MAX_SOURCE. Thread-safe.
 */
DK_EXTERN int dk_lang_members(dk_members **out, const dk_language *lang, const char *src,
                              size_t len);
/** Free a dk_lang_members result; NULL is a no-op. */
DK_EXTERN void dk_members_free(dk_members *m);

DK_EXTERN void dk_analysis_ref(const dk_analysis *a);
/** Drop a reference; frees at zero. NULL is a no-op. */
DK_EXTERN void dk_analysis_unref(const dk_analysis *a);

DK_EXTERN const char *dk_symbol_kind_name(dk_symbol_kind kind);
DK_EXTERN const char *dk_visibility_name(dk_visibility vis);
/** True for kinds whose members are symbols of their own (class, impl, module, ...). */
DK_EXTERN bool dk_symbol_kind_is_container(dk_symbol_kind kind);

/*
 * The symbol cache: analyses keyed by (language, content id). A content id
 * is any byte string that identifies the bytes, normally the git blob id,
 * so that the same content is parsed once whatever session or commit it
 * appears in. Bounded by entry count (least recently used evicted).
 * Thread-safe: one mutex; parsing happens outside it.
 */
typedef struct dk_symcache dk_symcache;

DK_EXTERN int dk_symcache_new(dk_symcache **out, size_t max_entries);
DK_EXTERN void dk_symcache_free(dk_symcache *cache);
/**
 * dk_lang_analyze through the cache: the cached analysis for (lang, key), or
 * a fresh analysis of `src`, cached. Like dk_lang_analyze it hands out a
 * reference of the caller's own (not a borrowed one, hence not `_get`).
 * @param[out] out a new reference (caller unrefs with dk_analysis_unref)
 * @param[out] hit may be NULL; set to true when served from the cache
 */
DK_EXTERN int dk_symcache_analyze(dk_analysis **out, bool *hit, dk_symcache *cache,
                                  const dk_language *lang, const void *key, size_t key_len,
                                  const char *src, size_t len);

typedef struct dk_symcache_stats {
    uint64_t hits;
    uint64_t misses;
    size_t entries;
} dk_symcache_stats;

DK_EXTERN void dk_symcache_stats_get(dk_symcache_stats *out, dk_symcache *cache);

/**
 * dk_symcache_analyze with analysis options: entries are kept per (language,
 * key, flags), so outline and full analyses do not mix. `opts->prev` only
 * speeds up a miss.
 */
DK_EXTERN int dk_symcache_analyze_ex(dk_analysis **out, bool *hit, dk_symcache *cache,
                                     const dk_language *lang, const void *key, size_t key_len,
                                     const char *src, size_t len, const dk_lang_opts *opts);

#endif
