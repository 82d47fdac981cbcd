/*
 * engine/context_rank.c - the score of a context candidate, computed in C
 * from the indexed word columns, so every store ranks alike (issue 8).
 *
 * The stores only find candidates (a full-text match of some query word,
 * context_query.c); the order is decided here, from the same features on
 * both: SQLite's bm25 and PostgreSQL's ts_rank disagreed on most vague
 * queries (ts_rank has no idf).
 *
 *   query words ──► per word: exact form, and a stem (light suffix
 *                   stripping: parsing/parsed/parser/parses -> pars) when
 *                   it has 4+ letters; a document word matches exactly
 *                   (tf 1) or by the same stem (tf 0.7). The stem is a
 *                   prefix of every word that has it, so the stores find
 *                   the candidates with a prefix query (pars*).
 *   candidate   ──► per word and column (name, qualified name, signature,
 *                   doc, path, body words): tf; per column: length in words
 *   score       =   BM25F: Σ_words idf(w) · t / (k1 + t), where
 *                   t = Σ_columns weight · tf / (1 - b + b · len / avglen)
 *                   (avglen from the head's stored totals, idf from N and
 *                   the word's document frequency), times a coverage factor
 *                   (the share of the query's idf the symbol matches), a
 *                   kind factor (a prototype is a copy of its definition)
 *                   and a size prior, 1 + 0.15 ln(lines): of the symbols
 *                   matching a query, the longer is more often the code a
 *                   change or a question is about (more of the code is in
 *                   it). Measured on real histories (bench/context_eval.py):
 *                   BM25's length normalisation alone favours short
 *                   symbols that merely mention a word.
 *
 * Everything is deterministic arithmetic on the stored words, so equal
 * inputs give bit-identical scores on every store; ties are broken by the
 * caller on (path, line, name).
 *
 * Conventions: statics are cr_-prefixed; no store or git access here.
 */
#include <math.h>
#include <string.h>

#include "engine/context_int.h"

/* Column weights and length normalisation (name, qname, signature, doc, path, body). */
static const double cr_weight[CTX_NFIELDS] = {10.0, 5.0, 3.0, 2.0, 1.0, 4.0};
/* body words are distinct words (tf 0 or 1), so a long body is normalised gently */
static const double cr_b[CTX_NFIELDS] = {0.5, 0.5, 0.75, 0.75, 0.5, 0.3};
#define CR_K1       1.2
#define CR_STEM_TF  0.7
#define CR_MIN_STEM 4
/* kind factor of a prototype (its definition, when indexed, is the better answer) */
#define CR_PROTOTYPE 0.5
/* size prior: the score is multiplied by 1 + CR_SIZE * ln(lines of the symbol's span) */
#define CR_SIZE 0.15

static bool cr_ends(const char *w, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n > k && memcmp(w + n - k, suf, k) == 0;
}

size_t dk_ctx_stem_len(const char *w, size_t n)
{
    /* a word in hex (non-ASCII) is matched whole */
    if (n && w[0] == CTX_WORD_HEX)
        return n;
    /* a plural 's' (not "ss", "us", "is": class, status, axis) */
    if (n > 3 && w[n - 1] == 's' && !cr_ends(w, n, "ss") && !cr_ends(w, n, "us") &&
        !cr_ends(w, n, "is"))
        n--;
    static const char *const suf[] = {"ing", "ion", "ed", "er", "ie", "e", "y"};
    for (size_t i = 0; i < sizeof(suf) / sizeof(*suf); i++) {
        size_t k = strlen(suf[i]);
        if (cr_ends(w, n, suf[i]) && n - k >= 3)
            return n - k;
    }
    return n;
}

size_t dk_ctx_word_count(const char *t)
{
    size_t n = 0;
    bool in = false;
    for (; *t; t++) {
        if (*t == ' ')
            in = false;
        else if (!in) {
            in = true;
            n++;
        }
    }
    return n;
}

void dk_ctx_ranker_init(struct dk_ctx_ranker *r, const char *words)
{
    memset(r, 0, sizeof(*r));
    const char *p = words, *end = words + strlen(words);
    while (p < end && r->nwords < CTX_QMAX) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        size_t n = (size_t)((sp ? sp : end) - p);
        if (n && n < sizeof(r->words[0].w)) {
            struct dk_ctx_qword *q = &r->words[r->nwords++];
            memcpy(q->w, p, n);
            q->w[n] = '\0';
            q->n = n;
            size_t st = dk_ctx_stem_len(p, n);
            q->stem = st >= CR_MIN_STEM ? st : 0;
        }
        p = sp ? sp + 1 : end;
    }
}

/* How document word d (n bytes) matches query word q: 1 exact, CR_STEM_TF by stem, 0 not. */
static double cr_match(const struct dk_ctx_qword *q, const char *d, size_t n)
{
    if (d[0] != q->w[0])
        return 0;
    if (n == q->n && memcmp(d, q->w, n) == 0)
        return 1.0;
    if (!q->stem || n < q->stem || memcmp(d, q->w, q->stem) != 0)
        return 0;
    return dk_ctx_stem_len(d, n) == q->stem ? CR_STEM_TF : 0;
}

void dk_ctx_tf_count(struct dk_ctx_tf *out, const struct dk_ctx_ranker *r,
                     const char *const fields[CTX_NFIELDS])
{
    memset(out, 0, sizeof(*out));
    for (int f = 0; f < CTX_NFIELDS; f++) {
        const char *p = fields[f] ? fields[f] : "";
        while (*p) {
            while (*p == ' ')
                p++;
            if (!*p)
                break;
            const char *s = p;
            while (*p && *p != ' ')
                p++;
            size_t n = (size_t)(p - s);
            out->len[f]++;
            for (size_t i = 0; i < r->nwords; i++) {
                double m = cr_match(&r->words[i], s, n);
                if (m > 0)
                    out->tf[i][f] += (float)m;
            }
        }
    }
}

bool dk_ctx_tf_has(const struct dk_ctx_tf *tf, size_t word)
{
    for (int f = 0; f < CTX_NFIELDS; f++)
        if (tf->tf[word][f] > 0)
            return true;
    return false;
}

void dk_ctx_ranker_set_df(struct dk_ctx_ranker *r, size_t word, int64_t df)
{
    double n = r->nsym > (double)df ? r->nsym : (double)df;
    double d = (double)df;
    r->words[word].idf = log(1.0 + (n - d + 0.5) / (d + 0.5));
}

double dk_ctx_score(const struct dk_ctx_ranker *r, const struct dk_ctx_tf *tf, const char *kind,
                    uint32_t lines)
{
    double score = 0, covered = 0, total = 0;
    for (size_t i = 0; i < r->nwords; i++) {
        const struct dk_ctx_qword *q = &r->words[i];
        total += q->idf;
        double t = 0;
        for (int f = 0; f < CTX_NFIELDS; f++) {
            if (tf->tf[i][f] <= 0)
                continue;
            double avg = r->avglen[f] > 0 ? r->avglen[f] : 1.0;
            double norm = 1.0 - cr_b[f] + cr_b[f] * (double)tf->len[f] / avg;
            t += cr_weight[f] * tf->tf[i][f] / norm;
        }
        if (t <= 0)
            continue;
        score += q->idf * t / (CR_K1 + t);
        covered += q->idf;
    }
    if (score <= 0)
        return 0;
    if (total > 0)
        score *= covered / total;
    if (kind && strcmp(kind, "prototype") == 0)
        score *= CR_PROTOTYPE;
    if (lines > 1)
        score *= 1.0 + CR_SIZE * log((double)lines);
    return score;
}
