/*
 * engine/land_core.h - the pure core of landing: a session's overlay merged
 * three-way onto a branch head, as a tree, or the conflicts that stop it;
 * and the publish loop (merge, commit, compare-and-swap, retry).
 *
 * No store, no sessions, no engine: a repository handle, commit ids and
 * overlay entries in, a tree / commit or conflicts out. land.c wraps it with
 * the changeset state machine and the session; tests drive it directly with
 * git fixtures.
 *
 * Conventions: as src/git/git.h (DK_OK or a negative dk_err_code with the
 * message in dk_error_last(); outputs belong to the caller and are released
 * with the matching _release; one thread at a time per repository handle).
 */
#ifndef DK_ENGINE_LAND_CORE_H
#define DK_ENGINE_LAND_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "dk/engine.h"
#include "dk/lang.h"

#include "engine/engine_int.h"
#include "git/git.h"
#include "util/vec.h"

/** What merging an overlay onto a head produced. Release with dk_land_merge_release. */
struct dk_land_merge {
    /* the result tree; valid only when conflicts.len == 0 */
    dk_oid tree;
    /* every conflict, in path order (strings malloc'd, owned here) */
    dk_vec(dk_land_conflict) conflicts;
    /* paths whose content needed a three-way merge (malloc'd, owned here) */
    dk_vec(char *) merged_files;
};

void dk_land_merge_release(struct dk_land_merge *m);

/**
 * Merge a session's overlay (its changes against `base`) onto `head`.
 *
 * Per path, with B, H, S the entries at base, head and in the session
 * ({blob, mode}, absent, or for S deleted); "same" compares blob and mode:
 *
 *   S deleted, B absent               keep H (nothing to undo)
 *   S deleted, H absent               delete (both deleted)
 *   S deleted, H same as B            delete
 *   S deleted, H changed              conflict: deleted / modified
 *   S same as B                       keep H (the session changed nothing)
 *   H same as B                       take S
 *   H same as S                       keep H (already there)
 *   B absent, H and S differ          conflict: added on both sides
 *   H absent (deleted on the branch)  conflict: modified / deleted
 *   a symlink or submodule changed
 *     differently on both sides       conflict (links are never merged as text)
 *   regular files, both changed       mode: the side that changed it wins (no
 *                                     conflict possible between 644 and 755);
 *                                     content: the side that changed it, else
 *                                     dk_merge_file(base, ours = head, theirs =
 *                                     session), its conflicts reported per symbol
 *
 * A file added where the head has a directory, or below a path the head has
 * as a file (and the overlay does not delete), is a conflict too: a tree
 * edit would silently replace the other side's entry.
 *
 * @param base  the session's base commit; NULL or zero for an unborn branch
 * @param head  the branch head; NULL or zero for an unborn branch
 * @param entries  `n` overlay entries, sorted by path (bytewise), unique
 * @param cache the symbol cache for dk_merge_file, may be NULL
 * @param[out] out zeroed by the call; on DK_OK holds the tree or the
 *                 conflicts. Release with dk_land_merge_release either way.
 * @return DK_OK (with or without conflicts); DK_ENOTFOUND when a commit or
 *         blob is missing; DK_EINVALID for a bad entry set; DK_ERROR
 */
int dk_land_merge_tree(struct dk_land_merge *out, dk_git_repo *repo, const dk_oid *base,
                       const dk_oid *head, const struct dk_eng_overlay_entry *entries, size_t n,
                       dk_symcache *cache);

/** Options of dk_land_publish. */
struct dk_land_publish_opts {
    /* the branch to move (short or full name); required */
    const char *branch;
    /* commit identity and message; required */
    const char *author_name;
    const char *author_email;
    const char *message;
    /* commit time in seconds since the epoch (UTC); 0: the clock */
    int64_t time_s;
    /* how many lost compare-and-swaps to retry before giving up (DK_EBUSY) */
    unsigned max_retries;
    /* merge only: no commit, no branch move */
    bool dry_run;
    dk_symcache *cache;
    /* called after the commit object is written, right before the CAS; an
     * error stops the landing (nothing published). May be NULL. land.c opens
     * the store transaction here; tests move the branch here to lose a race. */
    int (*prepare)(void *ud, const dk_oid *head, const dk_oid *commit);
    /* called when the CAS that followed a successful prepare did not
     * happen (lost race or error): undo what prepare did. May be NULL. */
    void (*abort)(void *ud);
    void *ud;
};

/** What dk_land_publish did. Release with dk_land_publish_release. */
struct dk_land_publish_result {
    /* the head the last attempt merged onto (zero: unborn) */
    dk_oid head;
    /* the commit now at the branch head; zero when nothing was published */
    dk_oid commit;
    /* the last attempt's merge (its conflicts on DK_ECONFLICT) */
    struct dk_land_merge merge;
    /* compare-and-swaps lost (each followed by a fresh merge) */
    unsigned retries;
};

void dk_land_publish_release(struct dk_land_publish_result *r);

/**
 * Land `entries` (changes against `base`) on `opts->branch`: read the head,
 * merge (dk_land_merge_tree), write the commit (parent: the head; none on an
 * unborn branch), call prepare, move the branch by compare-and-swap; a lost
 * race calls abort, re-reads the head and merges again, at most
 * max_retries times.
 * @param[out] out zeroed by the call; release with dk_land_publish_release
 * @return DK_OK; DK_ECONFLICT (conflicts in out->merge, nothing written
 *         to the branch); DK_EBUSY when every retry lost; DK_ESTALE when the
 *         branch vanished under a born base; whatever prepare returned;
 *         DK_ERROR
 */
int dk_land_publish(struct dk_land_publish_result *out, dk_git_repo *repo, const dk_oid *base,
                    const struct dk_eng_overlay_entry *entries, size_t n,
                    const struct dk_land_publish_opts *opts);

/** Free the strings of one conflict (not the struct itself). */
void dk_land_conflict_release(dk_land_conflict *c);

#endif
