/*
 * verify/scratch.c - the tree under test on disk: a per-repository scratch
 * directory brought to a tree's exact content from git objects, updated in
 * place so build caches (object files, target/, node_modules/) stay warm.
 *
 *   <root>/manifest   "dk-verify-manifest 1 <tree>\n" then one line per file
 *                     on disk: "<blob> <mode> <size> <mtime s> <ns> <inode> <path>"
 *   <root>/tree/      the files of <tree>, plus whatever the steps built
 *
 * A sync from tree A (the manifest's) to tree B lists only what differs
 * between A and B (dk_git_changes_list: unchanged subtrees are never
 * opened), removes the deleted paths, writes the changed ones, and lstat's
 * every file the manifest lists so a file a step edited, removed or replaced
 * is written again (a git-index style check: size, mtime, inode, type).
 * Without a usable manifest (first run, unknown tree, damaged file) the
 * tree directory is emptied and written whole.
 *
 * Invariants:
 *  1. After DK_OK every path of the tree is on disk with its blob's bytes and
 *     its mode (0644, 0755, symlink, gitlink = empty directory); no path the
 *     tree lacks but the previous tree had is left; untracked outputs stay
 *     unless in the way.
 *  2. Writes never follow a symlink: every parent component is lstat'ed and
 *     anything that is not a real directory is removed; files are created
 *     O_EXCL|O_NOFOLLOW after the old entry is unlinked.
 *  3. The manifest is replaced atomically (rename) after the tree is
 *     written; a crash in between leaves the old manifest, whose lstat check
 *     then finds the half-written files and repairs them.
 *  4. Every path is checked with dk_path_validate before touching the disk
 *     (no "..", no ".git", no control bytes: the manifest stays line-based).
 *
 * Conventions: verify_int.h. One sync per root at a time (verify.c holds the
 * root's lock file).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/map.h"
#include "util/path.h"
#include "util/str.h"
#include "verify/verify_int.h"

#include "util/banned.h"

#define MANIFEST_MAGIC "dk-verify-manifest 1 "

/* One file on disk, as the manifest knows it. */
struct ment {
    /* repository-relative path (owned) */
    char *path;
    /* removed from the tree: skipped, freed with the rest */
    bool gone;
    dk_oid blob;
    unsigned mode;
    int64_t size;
    int64_t mtime_s;
    int64_t mtime_ns;
    uint64_t ino;
};

struct sync {
    dk_git_repo *repo;
    /* <root>/tree/ with room to append a path */
    dk_str dir;
    size_t dir_len;
    /* path -> struct ment * (borrowed from `order`) */
    dk_map files;
    /* every entry, owned, in path order unless `unsorted` */
    dk_vec(struct ment *) order;
    bool unsorted;
    struct dk_vfy_sync_stats st;
    /* the last directory known to exist (sorted writes share parents) */
    dk_str last_parent;
};

/* ========================================================================== */
/* Disk helpers                                                               */
/* ========================================================================== */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path);
    return unlink(path);
}

/* Remove whatever is at `path` (a file, link or whole directory); absent is fine. */
static int rm_any(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? DK_OK
                               : dk_error_set(DK_ERROR, "lstat %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        if (nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS) != 0)
            return dk_error_set(DK_ERROR, "remove %s: %s", path, strerror(errno));
        return DK_OK;
    }
    if (unlink(path) != 0 && errno != ENOENT)
        return dk_error_set(DK_ERROR, "remove %s: %s", path, strerror(errno));
    return DK_OK;
}

/* The on-disk path of `rel` (points into s->dir, valid until the next call). */
static const char *sync_path(struct sync *s, const char *rel)
{
    dk_str_truncate(&s->dir, s->dir_len);
    dk_str_adds(&s->dir, rel);
    return s->dir.ptr;
}

/*
 * Make every parent directory of `rel` a real directory: a component that
 * is a file or a symlink (an untracked build output, or what the previous
 * tree had there) is removed first, so nothing is ever written through a
 * link.
 */
static int sync_parents(struct sync *s, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    if (!slash)
        return DK_OK;
    size_t plen = (size_t)(slash - rel);
    if (s->last_parent.len == plen && memcmp(s->last_parent.ptr, rel, plen) == 0)
        return DK_OK;
    dk_str p = DK_STR_INIT;
    dk_str_add(&p, s->dir.ptr, s->dir_len);
    int rc = DK_OK;
    for (size_t i = 0; i <= plen && rc == DK_OK; i++) {
        if (i < plen && rel[i] != '/')
            continue;
        dk_str_truncate(&p, s->dir_len);
        dk_str_add(&p, rel, i);
        struct stat st;
        if (lstat(p.ptr, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                continue;
            if (unlink(p.ptr) != 0) {
                rc = dk_error_set(DK_ERROR, "remove %s: %s", p.ptr, strerror(errno));
                break;
            }
            s->st.removed++;
        }
        if (mkdir(p.ptr, 0755) != 0 && errno != EEXIST)
            rc = dk_error_set(DK_ERROR, "mkdir %s: %s", p.ptr, strerror(errno));
    }
    dk_str_release(&p);
    if (rc == DK_OK) {
        dk_str_clear(&s->last_parent);
        dk_str_add(&s->last_parent, rel, plen);
    }
    return rc;
}

/* Remove the empty directories above `rel` (a path just removed), up to the tree. */
static void sync_prune_parents(struct sync *s, const char *rel)
{
    dk_str p = DK_STR_INIT;
    dk_str_adds(&p, rel);
    for (;;) {
        char *slash = strrchr(p.ptr, '/');
        if (!slash)
            break;
        dk_str_truncate(&p, (size_t)(slash - p.ptr));
        if (rmdir(sync_path(s, p.ptr)) != 0)
            break;
    }
    dk_str_release(&p);
    dk_str_clear(&s->last_parent);
}

static void ment_from_stat(struct ment *m, const struct stat *st)
{
    m->size = (int64_t)st->st_size;
    m->mtime_s = (int64_t)st->st_mtim.tv_sec;
    m->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
    m->ino = (uint64_t)st->st_ino;
}

/* Whether the disk still has what the manifest says was written. */
static bool ment_matches(const struct ment *m, const struct stat *st)
{
    bool type_ok;
    switch (m->mode) {
    case DK_GIT_MODE_LINK:
        type_ok = S_ISLNK(st->st_mode);
        break;
    case DK_GIT_MODE_GITLINK:
        return S_ISDIR(st->st_mode);
    case DK_GIT_MODE_EXEC:
        type_ok = S_ISREG(st->st_mode) && (st->st_mode & 0777) == 0755;
        break;
    default:
        type_ok = S_ISREG(st->st_mode) && (st->st_mode & 0777) == 0644;
        break;
    }
    return type_ok && m->size == (int64_t)st->st_size &&
           m->mtime_s == (int64_t)st->st_mtim.tv_sec &&
           m->mtime_ns == (int64_t)st->st_mtim.tv_nsec && m->ino == (uint64_t)st->st_ino;
}

/*
 * Caches in the tree stay warm across runs, so a rewritten file must look
 * changed to every tool that judges by mtime. Python's bytecode cache keeps
 * the source's mtime in whole seconds (with its size): a file rewritten
 * within the same second at the same size would run the previous run's
 * bytecode, and the pipeline would verify code that is not the tree's. So
 * when the new mtime is not past the old one's second, it is set to the next
 * second (never earlier than now, so make sees no clock skew beyond that).
 */
static int bump_mtime(int fd, const char *path, const struct stat *old)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return dk_error_set(DK_ERROR, "stat %s: %s", path, strerror(errno));
    if (st.st_mtim.tv_sec > old->st_mtim.tv_sec)
        return DK_OK;
    struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT},
                             {.tv_sec = old->st_mtim.tv_sec + 1, .tv_nsec = 0}};
    if (futimens(fd, ts) != 0)
        return dk_error_set(DK_ERROR, "set mtime %s: %s", path, strerror(errno));
    return DK_OK;
}

/* Write one entry of the tree at `rel` and record it in the map. */
static int sync_write(struct sync *s, const char *rel, const dk_oid *blob, unsigned mode)
{
    char *data = NULL;
    size_t len = 0;
    int rc;

    if ((rc = dk_path_validate(rel, strlen(rel))))
        return rc;
    if ((rc = sync_parents(s, rel)))
        return rc;
    const char *path = sync_path(s, rel);
    /* The old file's mtime, to keep the new one strictly later (see below). */
    struct stat old_st;
    bool had_file = lstat(path, &old_st) == 0 && S_ISREG(old_st.st_mode);
    if ((rc = rm_any(path)))
        return rc;
    if (mode == DK_GIT_MODE_GITLINK) {
        if (mkdir(path, 0755) != 0)
            return dk_error_set(DK_ERROR, "mkdir %s: %s", path, strerror(errno));
    } else {
        if ((rc = dk_git_blob_read(&data, &len, s->repo, blob)))
            return rc;
        if (mode == DK_GIT_MODE_LINK) {
            if (symlink(data, path) != 0)
                rc = dk_error_set(DK_ERROR, "symlink %s: %s", path, strerror(errno));
        } else {
            mode_t perm = mode == DK_GIT_MODE_EXEC ? 0755 : 0644;
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm);
            if (fd < 0) {
                rc = dk_error_set(DK_ERROR, "create %s: %s", path, strerror(errno));
            } else {
                size_t off = 0;
                while (off < len && rc == DK_OK) {
                    ssize_t n = write(fd, data + off, len - off);
                    if (n < 0 && errno == EINTR)
                        continue;
                    if (n <= 0)
                        rc = dk_error_set(DK_ERROR, "write %s: %s", path, strerror(errno));
                    else
                        off += (size_t)n;
                }
                /* the umask must not decide the mode */
                if (rc == DK_OK && fchmod(fd, perm) != 0)
                    rc = dk_error_set(DK_ERROR, "chmod %s: %s", path, strerror(errno));
                if (rc == DK_OK && had_file)
                    rc = bump_mtime(fd, path, &old_st);
                if (close(fd) != 0 && rc == DK_OK)
                    rc = dk_error_set(DK_ERROR, "close %s: %s", path, strerror(errno));
            }
        }
        free(data);
        if (rc)
            return rc;
    }
    struct stat st;
    if (lstat(path, &st) != 0)
        return dk_error_set(DK_ERROR, "lstat %s: %s", path, strerror(errno));
    struct ment *m = dk_map_get(&s->files, rel, strlen(rel));
    if (!m) {
        m = dk_xcalloc(1, sizeof(*m));
        m->path = dk_xstrdup(rel);
        dk_vec_push(&s->order, m);
        dk_map_put(&s->files, rel, strlen(rel), m, NULL);
        s->unsorted = true;
    }
    m->blob = *blob;
    m->mode = mode;
    ment_from_stat(m, &st);
    s->st.written++;
    return DK_OK;
}

/* Remove tracked path `rel` (deleted from the tree). */
static int sync_remove(struct sync *s, const char *rel)
{
    void *old = NULL;
    if (dk_path_validate(rel, strlen(rel)))
        return DK_OK; /* never written, so nothing to remove */
    if (dk_map_del(&s->files, rel, strlen(rel), &old))
        ((struct ment *)old)->gone = true;
    int rc = rm_any(sync_path(s, rel));
    if (rc == DK_OK) {
        s->st.removed++;
        sync_prune_parents(s, rel);
    }
    return rc;
}

/* ========================================================================== */
/* The manifest                                                               */
/* ========================================================================== */

/* A number in `base` ending at a space; advances *p past the space. */
static bool parse_num(const char **p, uint64_t *out, unsigned base)
{
    const char *c = *p;
    uint64_t v = 0;
    if (*c == ' ' || !*c)
        return false;
    for (; *c && *c != ' '; c++) {
        unsigned d = (unsigned)(*c - '0');
        if (d >= base)
            return false;
        v = v * base + d;
    }
    if (*c != ' ')
        return false;
    *out = v;
    *p = c + 1;
    return true;
}

/*
 * Load <root>/manifest into s->files; `tree` gets its tree id. false:
 * unusable. Parsed by hand: at 10,000 lines per run, sscanf alone cost
 * more than the whole incremental sync may.
 */
static bool manifest_load(struct sync *s, dk_oid *tree, const char *file)
{
    FILE *f = fopen(file, "re");
    if (!f)
        return false;
    dk_str all = DK_STR_INIT;
    char chunk[65536];
    size_t n, len = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        dk_str_add(&all, chunk, n);
    bool ok = !ferror(f);
    fclose(f);
    char *buf = dk_str_detach(&all, &len);
    const size_t magic = sizeof(MANIFEST_MAGIC) - 1;
    ok = ok && len > magic + DK_OID_HEXSZ && strncmp(buf, MANIFEST_MAGIC, magic) == 0 &&
         buf[magic + DK_OID_HEXSZ] == '\n' &&
         dk_oid_from_hex(tree, buf + magic, DK_OID_HEXSZ) == DK_OK;
    const char *p = buf + (ok ? magic + DK_OID_HEXSZ + 1 : len);
    while (ok && p < buf + len) {
        char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        if (!nl) {
            ok = false;
            break;
        }
        *nl = '\0';
        struct ment m = {0};
        uint64_t mode, size, ms, mns, ino;
        ok = strlen(p) > DK_OID_HEXSZ + 1 && p[DK_OID_HEXSZ] == ' ' &&
             dk_oid_from_hex(&m.blob, p, DK_OID_HEXSZ) == DK_OK;
        if (!ok)
            break;
        p += DK_OID_HEXSZ + 1;
        ok = parse_num(&p, &mode, 8) && parse_num(&p, &size, 10) && parse_num(&p, &ms, 10) &&
             parse_num(&p, &mns, 10) && parse_num(&p, &ino, 10) && *p;
        if (!ok)
            break;
        m.mode = (unsigned)mode;
        m.size = (int64_t)size;
        m.mtime_s = (int64_t)ms;
        m.mtime_ns = (int64_t)mns;
        m.ino = ino;
        m.path = dk_xstrdup(p);
        struct ment *e = dk_xmalloc(sizeof(*e));
        *e = m;
        dk_vec_push(&s->order, e);
        dk_map_put(&s->files, e->path, strlen(e->path), e, NULL);
        p = nl + 1;
    }
    free(buf);
    return ok;
}

static int ment_cmp(const void *a, const void *b)
{
    return strcmp((*(struct ment *const *)a)->path, (*(struct ment *const *)b)->path);
}

static void sync_sort(struct sync *s)
{
    if (s->unsorted && s->order.len)
        qsort(s->order.items, s->order.len, sizeof(*s->order.items), ment_cmp);
    s->unsorted = false;
}

/* The digits of v in `base` (8 or 10), then a space. */
static void add_num(dk_str *out, uint64_t v, unsigned base)
{
    char d[24];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % base);
        v /= base;
    } while (v);
    dk_str_grow(out, (size_t)n + 1);
    while (n)
        out->ptr[out->len++] = d[--n];
    out->ptr[out->len++] = ' ';
    out->ptr[out->len] = '\0';
}

/* Written in path order (the same file for the same disk state), in one write. */
static int manifest_save(struct sync *s, const dk_oid *tree, const char *file)
{
    dk_str tmp = DK_STR_INIT, out = DK_STR_INIT;
    char hex[DK_OID_HEXSZ + 1];
    int rc = DK_OK;

    sync_sort(s);
    dk_oid_to_hex(hex, tree);
    dk_str_grow(&out, 64 + s->order.len * 110);
    dk_str_addf(&out, "%s%s\n", MANIFEST_MAGIC, hex);
    dk_vec_foreach(&s->order, struct ment **, it) {
        const struct ment *m = *it;
        if (m->gone)
            continue;
        dk_oid_to_hex(hex, &m->blob);
        dk_str_add(&out, hex, DK_OID_HEXSZ);
        dk_str_addch(&out, ' ');
        add_num(&out, m->mode, 8);
        add_num(&out, (uint64_t)m->size, 10);
        add_num(&out, (uint64_t)m->mtime_s, 10);
        add_num(&out, (uint64_t)m->mtime_ns, 10);
        add_num(&out, m->ino, 10);
        dk_str_adds(&out, m->path);
        dk_str_addch(&out, '\n');
    }
    dk_str_addf(&tmp, "%s.tmp", file);
    int fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = dk_error_set(DK_ERROR, "write %s: %s", tmp.ptr, strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < out.len && rc == DK_OK;) {
        ssize_t n = write(fd, out.ptr + off, out.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = dk_error_set(DK_ERROR, "write %s: %s", tmp.ptr, strerror(errno));
        else
            off += (size_t)n;
    }
    if (close(fd) != 0 && rc == DK_OK)
        rc = dk_error_set(DK_ERROR, "close %s: %s", tmp.ptr, strerror(errno));
    if (rc == DK_OK && rename(tmp.ptr, file) != 0)
        rc = dk_error_set(DK_ERROR, "rename %s: %s", tmp.ptr, strerror(errno));
    if (rc)
        unlink(tmp.ptr);
out:
    dk_str_release(&tmp);
    dk_str_release(&out);
    return rc;
}

static void sync_files_release(struct sync *s)
{
    dk_vec_foreach(&s->order, struct ment **, it) {
        free((*it)->path);
        free(*it);
    }
    dk_vec_release(&s->order);
    dk_map_release(&s->files);
    s->files = (dk_map)DK_MAP_INIT_STR;
    s->unsorted = false;
}

/* ========================================================================== */
/* Sync                                                                       */
/* ========================================================================== */

/* The whole tree: empty the directory, write every file. */
static int sync_full(struct sync *s, const dk_oid *tree)
{
    dk_git_files files = DK_GIT_FILES_INIT;
    int rc;

    s->st.full = true;
    sync_files_release(s);
    dk_str_truncate(&s->dir, s->dir_len - 1);
    if ((rc = rm_any(s->dir.ptr)))
        return rc;
    if (mkdir(s->dir.ptr, 0755) != 0)
        return dk_error_set(DK_ERROR, "mkdir %s: %s", s->dir.ptr, strerror(errno));
    dk_str_addch(&s->dir, '/');
    if ((rc = dk_git_files_list(&files, s->repo, tree)))
        return rc;
    for (size_t i = 0; i < files.len && rc == DK_OK; i++)
        rc = sync_write(s, files.items[i].path, &files.items[i].id, files.items[i].mode);
    dk_git_files_release(&files);
    return rc;
}

/* From the manifest's tree `from` to `tree`: the differences, then the lstat check. */
static int sync_incremental(struct sync *s, const dk_oid *from, const dk_oid *tree)
{
    dk_git_changes ch = DK_GIT_CHANGES_INIT;
    int rc;

    if ((rc = dk_git_changes_list(&ch, s->repo, from, tree)))
        return rc;
    /* removals first: a deleted file may be in the way of a new directory */
    for (size_t i = 0; i < ch.len && rc == DK_OK; i++)
        if (ch.items[i].kind == DK_GIT_CHANGE_DELETED)
            rc = sync_remove(s, ch.items[i].path);
    for (size_t i = 0; i < ch.len && rc == DK_OK; i++) {
        const dk_git_change *c = &ch.items[i];
        if (c->kind != DK_GIT_CHANGE_DELETED)
            rc = sync_write(s, c->path, &c->new_id, c->new_mode);
    }
    dk_git_changes_release(&ch);
    if (rc)
        return rc;

    /*
     * What a step changed on disk since the manifest was written: in path
     * order, each directory opened once and its files fstatat'ed by name
     * (no path walk per file).
     */
    sync_sort(s);
    dk_vec(struct ment *) stale = DK_VEC_INIT;
    dk_str dir = DK_STR_INIT;
    int dfd = -1;
    bool first = true;
    dk_vec_foreach(&s->order, struct ment **, it) {
        struct ment *m = *it;
        if (m->gone)
            continue;
        const char *slash = strrchr(m->path, '/');
        size_t dl = slash ? (size_t)(slash - m->path) : 0;
        if (first || dir.len != dl || memcmp(dir.ptr, m->path, dl) != 0) {
            if (dfd >= 0)
                close(dfd);
            dk_str_clear(&dir);
            dk_str_add(&dir, m->path, dl);
            dfd = open(sync_path(s, dir.ptr), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            first = false;
        }
        struct stat st;
        const char *base = slash ? slash + 1 : m->path;
        if (dfd < 0 || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0 || !ment_matches(m, &st))
            dk_vec_push(&stale, m);
    }
    if (dfd >= 0)
        close(dfd);
    dk_str_release(&dir);
    for (size_t i = 0; i < stale.len && rc == DK_OK; i++) {
        /* sync_write updates the entry in place: copy what it reads first */
        dk_oid blob = stale.items[i]->blob;
        unsigned mode = stale.items[i]->mode;
        char *path = dk_xstrdup(stale.items[i]->path);
        if ((rc = sync_write(s, path, &blob, mode)) == DK_OK) {
            s->st.repaired++;
            s->st.written--;
        }
        free(path);
    }
    dk_vec_release(&stale);
    return rc;
}

int dk_vfy_scratch_sync(struct dk_vfy_sync_stats *stats, dk_git_repo *repo, const dk_oid *tree,
                        const char *root)
{
    struct sync s = {.repo = repo,
                     .dir = DK_STR_INIT,
                     .files = DK_MAP_INIT_STR,
                     .order = DK_VEC_INIT,
                     .last_parent = DK_STR_INIT};
    dk_str manifest = DK_STR_INIT;
    dk_oid want, from;
    int rc;

    if ((rc = dk_git_tree_resolve(&want, repo, tree)))
        return rc;
    if (mkdir(root, 0755) != 0 && errno != EEXIST)
        return dk_error_set(DK_ERROR, "mkdir %s: %s", root, strerror(errno));
    dk_str_addf(&manifest, "%s/manifest", root);
    dk_str_addf(&s.dir, "%s/tree/", root);
    s.dir_len = s.dir.len;

    bool have = manifest_load(&s, &from, manifest.ptr);
    struct stat st;
    if (have && lstat(s.dir.ptr, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = sync_incremental(&s, &from, &want);
        if (rc == DK_ENOTFOUND) /* the old tree is gone (gc): start over */
            rc = sync_full(&s, &want);
    } else {
        rc = sync_full(&s, &want);
    }
    if (rc == DK_OK)
        rc = manifest_save(&s, &want, manifest.ptr);
    else
        unlink(manifest.ptr); /* the disk is unknown now: the next sync starts over */
    if (stats)
        *stats = s.st;
    sync_files_release(&s);
    dk_str_release(&s.dir);
    dk_str_release(&s.last_parent);
    dk_str_release(&manifest);
    return rc;
}
