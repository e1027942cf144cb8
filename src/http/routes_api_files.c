/* /api/v1/files: the files under the images root, for administrators who
 * add images without a shell.
 *
 *   GET /files?path=DIR          entries: name, type, size, modified, sha256
 *                                (known digests only: listing never hashes)
 *   GET /files/sha256?path=FILE  one file's digest, computed once per file
 *                                version (core/sha_cache.h) and remembered
 *   PUT /files?path=DIR/NAME[&overwrite=1]   upload (admin; [images] upload)
 *
 * Every path is opened beneath the root with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) (core/fsroot.h): no string escapes it.  An upload is
 * checked (role, CSRF, size, name, existing file) from its headers alone,
 * before any of its body is read (api_files_upload_early(), called by
 * routes_api_early()); the body then streams through a fixed buffer into a
 * temporary file in the target directory, which is fsynced and renamed
 * over the name only when complete — an interrupted upload leaves nothing
 * (its temporary file is removed when the request ends). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/fsroot.h"
#include "core/log.h"
#include "core/sha_cache.h"
#include "http/routes_api.h"

#define FILES_LIST_MAX  10000        /* entries per listing */
#define UPLOAD_BUF      (128 * 1024) /* written to disk in pieces of this size */
#define HASH_BUF        (256 * 1024)
#define FILES_PATH_MAX  1024
#define UPLOAD_TMP_NAME ".upload-"

struct upload {
        int dir_fd, fd; /* fd -1 once renamed or removed */
        char tmp[32], name[256], path[FILES_PATH_MAX + 1];
        bool overwrite;
        uint64_t got, max;
        int err; /* first write error: the rest of the body is discarded */
        int rename_err;
        crypto_hash_sha256_state sha;
        char *buf;
        size_t buf_len;
};

static void hex(const uint8_t *b, size_t n, char *out)
{
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
                out[2 * i] = digits[b[i] >> 4];
                out[2 * i + 1] = digits[b[i] & 15];
        }
        out[2 * n] = '\0';
}

/* ?path= as the API names it ("/a/b/" -> "a/b"); false when it does not
 * fit (never cut short: a shortened path could name another file). */
static bool query_path(struct api_req *a, char out[FILES_PATH_MAX + 1])
{
        const char *in = api_query(a, "path");
        in = in ? in : "";
        while (*in == '/')
                in++;
        size_t n = strlen(in);
        while (n && in[n - 1] == '/')
                n--;
        if (n > FILES_PATH_MAX)
                return false;
        memcpy(out, in, n);
        out[n] = '\0';
        return true;
}

static enum MHD_Result path_too_long(struct api_req *a)
{
        return api_error(a, MHD_HTTP_BAD_REQUEST, "path", "?path= is longer than %d bytes",
                         FILES_PATH_MAX);
}

/* fsroot errors as the API answers them. */
static enum MHD_Result path_error(struct api_req *a, int rc, const char *path)
{
        switch (rc) {
        case -ENOENT:
                return api_error(a, MHD_HTTP_NOT_FOUND, "path", "no such file or directory: %s",
                                 path);
        case -EXDEV:
        case -ELOOP:
                log_warn("http peer=%s: files path refused (outside the images root or through a "
                         "symlink)",
                         a->r->peer);
                return api_error(a, MHD_HTTP_FORBIDDEN, "path",
                                 "refused: the path leaves the images root or goes through a "
                                 "symlink");
        case -ENOTDIR:
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "path", "not a directory: %s",
                                 path);
        case -EISDIR:
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "path", "a directory: %s",
                                 path);
        case -EACCES:
        case -EPERM:
                return api_error(a, MHD_HTTP_FORBIDDEN, "path",
                                 "permission denied (not a regular file, or not accessible to "
                                 "the server): %s",
                                 path);
        case -EINVAL:
        case -ENAMETOOLONG:
                return api_error(a, MHD_HTTP_BAD_REQUEST, "path", "invalid path");
        default:
                return api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "path", "%s: %s", path,
                                 strerror(-rc));
        }
}

static int root_fd(struct api_req *a, enum MHD_Result *reply)
{
        int fd = a->r->ctx->images_fd;
        if (fd < 0)
                *reply = api_error(a, MHD_HTTP_SERVICE_UNAVAILABLE, NULL,
                                   "the images root does not exist (create it and restart)");
        return fd;
}

static json_t *entry_json(struct http_ctx *ctx, const char *name, const struct stat *st)
{
        const char *type = S_ISREG(st->st_mode)   ? "file"
                           : S_ISDIR(st->st_mode) ? "dir"
                           : S_ISLNK(st->st_mode) ? "symlink"
                                                  : "other";
        uint8_t sha[SHA_CACHE_LEN];
        char shahex[2 * SHA_CACHE_LEN + 1];
        bool known =
            S_ISREG(st->st_mode) && ctx->file_sums && sha_cache_get(ctx->file_sums, st, sha);
        if (known)
                hex(sha, sizeof(sha), shahex);
        int64_t ms = (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
        return json_pack("{s:s, s:s, s:I, s:I, s:o}", "name", name, "type", type, "size",
                         (json_int_t)(S_ISREG(st->st_mode) ? st->st_size : 0), "modified",
                         (json_int_t)ms, "sha256", known ? json_string(shahex) : json_null());
}

struct listed {
        char *name;
        struct stat st;
};

static int listed_cmp(const void *x, const void *y)
{
        const struct listed *a = x, *b = y;
        bool da = S_ISDIR(a->st.st_mode), db = S_ISDIR(b->st.st_mode);
        if (da != db)
                return da ? -1 : 1;
        return strcmp(a->name, b->name);
}

static enum MHD_Result list_dir(struct api_req *a)
{
        enum MHD_Result reply;
        int root = root_fd(a, &reply);
        if (root < 0)
                return reply;
        char path[FILES_PATH_MAX + 1];
        if (!query_path(a, path))
                return path_too_long(a);
        int fd = fsroot_open_dir(root, path);
        if (fd < 0)
                return path_error(a, fd, path);
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "cannot read %s", path);
        }
        struct listed *v = NULL;
        size_t n = 0;
        bool truncated = false, oom = false;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.') /* ".", "..", hidden and upload temporaries */
                        continue;
                if (n == FILES_LIST_MAX) {
                        truncated = true;
                        break;
                }
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* gone meanwhile */
                struct listed *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (nv)
                        v = nv;
                char *name = nv ? strdup(de->d_name) : NULL;
                if (!name) {
                        oom = true;
                        break;
                }
                v[n++] = (struct listed){.name = name, .st = st};
        }
        closedir(d);
        json_t *entries = oom ? NULL : json_array();
        if (entries) {
                if (n)
                        qsort(v, n, sizeof(*v), listed_cmp);
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(entries, entry_json(a->r->ctx, v[i].name, &v[i].st));
        }
        for (size_t i = 0; i < n; i++)
                free(v[i].name);
        free(v);
        if (!entries)
                return api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
        const struct config *c = a->r->ctx->cfg;
        json_t *j = json_pack("{s:s, s:o, s:b, s:b, s:I}", "path", path, "entries", entries,
                              "truncated", truncated, "upload", c->images_upload, "upload_max",
                              (json_int_t)c->images_upload_max);
        return api_reply(a, MHD_HTTP_OK, j);
}

static int hash_fd(int fd, uint8_t out[SHA_CACHE_LEN])
{
        char *buf = malloc(HASH_BUF);
        if (!buf)
                return -ENOMEM;
        crypto_hash_sha256_state s;
        crypto_hash_sha256_init(&s);
        off_t off = 0;
        int r = 0;
        for (;;) {
                ssize_t got = pread(fd, buf, HASH_BUF, off);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        r = -errno;
                        break;
                }
                if (got == 0)
                        break;
                crypto_hash_sha256_update(&s, (const unsigned char *)buf, (size_t)got);
                off += got;
        }
        free(buf);
        if (r == 0)
                crypto_hash_sha256_final(&s, out);
        return r;
}

/* GET /files/sha256?path=FILE: hashed on this request unless this version
 * of the file was hashed before. */
static enum MHD_Result file_sha256(struct api_req *a)
{
        enum MHD_Result reply;
        int root = root_fd(a, &reply);
        if (root < 0)
                return reply;
        char path[FILES_PATH_MAX + 1];
        if (!query_path(a, path))
                return path_too_long(a);
        struct stat st;
        int fd = fsroot_open_file(root, path, &st);
        if (fd < 0)
                return path_error(a, fd, path);
        struct sha_cache *cache = a->r->ctx->file_sums;
        uint8_t sha[SHA_CACHE_LEN];
        if (!cache || !sha_cache_get(cache, &st, sha)) {
                int r = hash_fd(fd, sha);
                struct stat after;
                /* Changed while hashed: report, but do not remember. */
                bool stable = r == 0 && fstat(fd, &after) == 0 && after.st_size == st.st_size &&
                              after.st_mtim.tv_sec == st.st_mtim.tv_sec &&
                              after.st_mtim.tv_nsec == st.st_mtim.tv_nsec;
                if (r < 0) {
                        close(fd);
                        return api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "reading %s: %s",
                                         path, strerror(-r));
                }
                if (stable && cache)
                        sha_cache_put(cache, &st, sha);
        }
        close(fd);
        const char *slash = strrchr(path, '/');
        json_t *j = entry_json(a->r->ctx, slash ? slash + 1 : path, &st);
        char shahex[2 * SHA_CACHE_LEN + 1];
        hex(sha, sizeof(sha), shahex);
        json_object_set_new(j, "sha256", json_string(shahex));
        json_object_set_new(j, "path", json_string(path));
        return api_reply(a, MHD_HTTP_OK, j);
}

/* ---- upload ---- */

/* The request is over: an upload not renamed into place is removed. */
static void upload_done(struct http_req *r, bool ok)
{
        struct upload *u = r->route_data;
        if (!u)
                return;
        if (u->fd >= 0) {
                close(u->fd);
                (void)unlinkat(u->dir_fd, u->tmp, 0);
                log_info("http peer=%s: upload of %s not completed: %llu bytes discarded", r->peer,
                         u->path, (unsigned long long)u->got);
        }
        if (u->dir_fd >= 0)
                close(u->dir_fd);
        free(u->buf);
        u->buf = NULL;
}

static int flush_buf(struct upload *u)
{
        size_t off = 0;
        while (off < u->buf_len) {
                ssize_t w = write(u->fd, u->buf + off, u->buf_len - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                off += (size_t)w;
        }
        u->buf_len = 0;
        return 0;
}

/* http_req.body_sink: each piece of the body as it arrives.  false (the
 * connection is closed) past the size limit; a write error is remembered
 * and the rest discarded, so that the client hears why. */
static bool upload_sink(struct http_req *r, const char *data, size_t len)
{
        struct upload *u = r->route_data;
        u->got += len;
        if (u->got > u->max)
                return false;
        if (u->err)
                return true;
        crypto_hash_sha256_update(&u->sha, (const unsigned char *)data, len);
        while (len) {
                size_t take = UPLOAD_BUF - u->buf_len;
                if (take > len)
                        take = len;
                memcpy(u->buf + u->buf_len, data, take);
                u->buf_len += take;
                data += take;
                len -= take;
                if (u->buf_len == UPLOAD_BUF) {
                        int e = flush_buf(u);
                        if (e < 0) {
                                u->err = -e;
                                return true;
                        }
                }
        }
        return true;
}

/* A temporary name in the directory, created exclusively, beneath it. */
static int open_tmp(struct upload *u)
{
        for (int tries = 0; tries < 8; tries++) {
                uint8_t rnd[6];
                randombytes_buf(rnd, sizeof(rnd));
                char h[13];
                hex(rnd, sizeof(rnd), h);
                snprintf(u->tmp, sizeof(u->tmp), UPLOAD_TMP_NAME "%s", h);
                struct open_how how = {
                    .flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                    .mode = 0644,
                    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
                };
                int fd = (int)syscall(SYS_openat2, u->dir_fd, u->tmp, &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/* Checks an upload from its headers and opens its temporary file; true
 * when answered (refused).  Role and CSRF are checked before (routes_api.c). */
bool api_files_upload_early(struct api_req *a, enum MHD_Result *reply)
{
        struct http_req *r = a->r;
        const struct config *c = r->ctx->cfg;
        if (!c->images_upload) {
                *reply = api_error(a, MHD_HTTP_FORBIDDEN, NULL,
                                   "uploads are off on this server ([images] upload = off)");
                return true;
        }
        int root = root_fd(a, reply);
        if (root < 0)
                return true;
        const char *q = api_query(a, "path");
        char path[FILES_PATH_MAX + 1], dir[FILES_PATH_MAX + 1], name[256];
        if (!query_path(a, path)) {
                *reply = path_too_long(a);
                return true;
        }
        size_t qlen = q ? strlen(q) : 0;
        int rc = qlen && q[qlen - 1] == '/'
                     ? -EINVAL
                     : fsroot_split(path, dir, sizeof(dir), name, sizeof(name));
        if (rc < 0) {
                *reply = api_error(a, MHD_HTTP_BAD_REQUEST, "path",
                                   "?path= must name a file: DIR/NAME, NAME not starting with "
                                   "'.', without spaces or control characters");
                return true;
        }
        const char *cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long len = 0;
        if (cl) {
                char *end;
                errno = 0;
                len = strtoull(cl, &end, 10);
                if (errno || *end || end == cl)
                        len = ULLONG_MAX;
        }
        if (len > (unsigned long long)c->images_upload_max) {
                *reply = api_error(a, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
                                   "file larger than the upload limit of %lld bytes ([images] "
                                   "upload_max)",
                                   (long long)c->images_upload_max);
                return true;
        }
        int dfd = fsroot_open_dir(root, dir);
        if (dfd < 0) {
                *reply = path_error(a, dfd, *dir ? dir : "/");
                return true;
        }
        bool overwrite = api_query_flag(a, "overwrite");
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            (!overwrite || !S_ISREG(st.st_mode))) {
                close(dfd);
                *reply = api_error(a, MHD_HTTP_CONFLICT, "path",
                                   S_ISREG(st.st_mode) ? "%s exists: add ?overwrite=1 to replace it"
                                                       : "%s exists and is not a regular file",
                                   path);
                return true;
        }
        struct statvfs vfs;
        if (fstatvfs(dfd, &vfs) == 0 && len &&
            (unsigned long long)vfs.f_bavail * vfs.f_frsize < len) {
                close(dfd);
                *reply =
                    api_error(a, MHD_HTTP_INSUFFICIENT_STORAGE, NULL,
                              "not enough free space for %llu bytes under the images root", len);
                return true;
        }
        struct upload *u = calloc(1, sizeof(*u));
        char *buf = malloc(UPLOAD_BUF);
        if (!u || !buf) {
                free(u);
                free(buf);
                close(dfd);
                *reply = api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
                return true;
        }
        *u = (struct upload){.dir_fd = dfd,
                             .fd = -1,
                             .overwrite = overwrite,
                             .max = (uint64_t)c->images_upload_max,
                             .buf = buf};
        snprintf(u->name, sizeof(u->name), "%s", name);
        snprintf(u->path, sizeof(u->path), "%s", path);
        crypto_hash_sha256_init(&u->sha);
        u->fd = open_tmp(u);
        if (u->fd < 0) {
                int e = -u->fd;
                close(dfd);
                free(buf);
                free(u);
                if (e == EACCES || e == EPERM || e == EROFS)
                        *reply = api_error(a, MHD_HTTP_FORBIDDEN, "path",
                                           "the server cannot write in %s (%s): give its user "
                                           "write access, or upload with a shell",
                                           *dir ? dir : "the images root", strerror(e));
                else
                        *reply = api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "path",
                                           "cannot create a file in %s: %s",
                                           *dir ? dir : "the images root", strerror(e));
                return true;
        }
        r->route_data = u;
        r->on_done = upload_done;
        r->body_sink = upload_sink;
        return false;
}

/* store_audit_external's change: the temporary file over its name. */
static int rename_into_place(void *arg)
{
        struct upload *u = arg;
        if (renameat2(u->dir_fd, u->tmp, u->dir_fd, u->name, u->overwrite ? 0 : RENAME_NOREPLACE) <
            0)
                return -(u->rename_err = errno);
        close(u->fd);
        u->fd = -1;
        return 0;
}

/* A file as the audit log records it (its listing entry, compact JSON). */
static char *audit_view(struct http_ctx *ctx, const char *name, const struct stat *st)
{
        json_t *j = entry_json(ctx, name, st);
        char *t = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(j);
        return t;
}

/* The whole body is in: to disk, then into place. */
static enum MHD_Result upload_finish(struct api_req *a)
{
        struct http_req *r = a->r;
        enum MHD_Result reply;
        if (!r->route_data && api_files_upload_early(a, &reply)) /* empty body: not called early */
                return reply;
        struct upload *u = r->route_data;
        int e = u->err ? -u->err : flush_buf(u);
        if (e == 0 && fsync(u->fd) < 0)
                e = -errno;
        struct stat st;
        if (e == 0 && fstat(u->fd, &st) < 0)
                e = -errno;
        if (e < 0) {
                /* upload_done() removes the temporary file. */
                if (e == -ENOSPC || e == -EDQUOT)
                        return api_error(a, MHD_HTTP_INSUFFICIENT_STORAGE, NULL,
                                         "the images root is full: %s not stored", u->path);
                return api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "writing %s: %s", u->path,
                                 strerror(-e));
        }
        uint8_t sha[SHA_CACHE_LEN];
        crypto_hash_sha256_final(&u->sha, sha);
        if (r->ctx->file_sums)
                sha_cache_put(r->ctx->file_sums, &st, sha);
        /* The audit log records the upload in the rename's stead: the
         * record is written, the file renamed, then the record committed
         * (store_audit_external), so an upload stored is an upload
         * recorded, and one refused records nothing. */
        char *before = NULL, *after = audit_view(r->ctx, u->name, &st);
        struct stat old;
        if (fstatat(u->dir_fd, u->name, &old, AT_SYMLINK_NOFOLLOW) == 0)
                before = audit_view(r->ctx, u->name, &old);
        e = store_audit_external(r->store, u->overwrite && before ? "file.replace" : "file.upload",
                                 u->path, before, after, rename_into_place, u);
        free(before);
        free(after);
        if (e == STORE_AUDIT_UNRECORDED) {
                log_error("http peer=%s: %s uploaded %s but the audit log did not record it: %s",
                          r->peer, a->id.name, u->path, store_errmsg(r->store));
        } else if (e < 0 && u->rename_err) {
                e = u->rename_err;
                if (e == EEXIST || e == EISDIR || e == ENOTEMPTY)
                        return api_error(a, MHD_HTTP_CONFLICT, "path",
                                         "%s exists: add ?overwrite=1 to replace it", u->path);
                return api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "storing %s: %s", u->path,
                                 strerror(e));
        } else if (e < 0) { /* the record could not be written: not stored */
                return api_store_error(a, e, NULL);
        }
        (void)fsync(u->dir_fd); /* the new name survives a crash too */
        log_info("http peer=%s: %s uploaded %s (%llu bytes)", r->peer, a->id.name, u->path,
                 (unsigned long long)st.st_size);
        json_t *j = entry_json(r->ctx, u->name, &st);
        json_object_set_new(j, "path", json_string(u->path));
        return api_reply(a, MHD_HTTP_CREATED, j);
}

enum MHD_Result api_files(struct api_req *a)
{
        if (a->n_seg == 2 && strcmp(a->seg[1], "sha256") == 0) {
                if (strcmp(a->method, "GET") != 0)
                        return api_method_not_allowed(a, "GET, HEAD");
                return file_sha256(a);
        }
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "GET") == 0)
                return list_dir(a);
        if (strcmp(a->method, "PUT") == 0)
                return upload_finish(a);
        return api_method_not_allowed(a, "GET, HEAD, PUT");
}
