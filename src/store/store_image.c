/* Images: a kernel, ordered initrds and a command line (or a script template). */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"

#define IMAGE_CMDLINE_MAX 4096
#define IMAGE_SCRIPT_MAX  65536
#define IMAGE_DESC_MAX    1024
#define IMAGE_INITRDS_MAX 32

void image_done(struct image *img)
{
        if (!img)
                return;
        free(img->name);
        free(img->kernel);
        for (size_t i = 0; i < img->n_initrds; i++)
                free(img->initrds[i]);
        free(img->initrds);
        free(img->cmdline);
        free(img->script);
        free(img->grub_script);
        free(img->description);
        free(img->kernel_arm64);
        for (size_t i = 0; i < img->n_initrds_arm64; i++)
                free(img->initrds_arm64[i]);
        free(img->initrds_arm64);
        memset(img, 0, sizeof(*img));
}

void image_list_free(struct image *imgs, size_t n)
{
        for (size_t i = 0; i < n; i++)
                image_done(&imgs[i]);
        free(imgs);
}

static int image_validate(struct store *s, const struct image *img)
{
        if (!img->name || !validate_image_name(img->name))
                return store_fail(s, -EINVAL, "name",
                                  "invalid image name \"%s\": use [a-z0-9][a-z0-9._-]{0,62}",
                                  img->name ? img->name : "");
        bool has_script = img->script && *img->script;
        if ((!img->kernel || !*img->kernel) && !has_script)
                return store_fail(s, -EINVAL, "kernel",
                                  "image %s needs a kernel (or a script template)", img->name);
        if (img->kernel && *img->kernel && !validate_artifact(img->kernel))
                return store_fail(s, -EINVAL, "kernel",
                                  "kernel \"%s\": expected a path under the images root "
                                  "(no '..', spaces or quotes) or an http(s) URL",
                                  img->kernel);
        if (img->n_initrds > IMAGE_INITRDS_MAX)
                return store_fail(s, -EINVAL, "initrds", "at most %d initrds", IMAGE_INITRDS_MAX);
        for (size_t i = 0; i < img->n_initrds; i++)
                if (!validate_artifact(img->initrds[i]))
                        return store_fail(s, -EINVAL, "initrds",
                                          "initrd \"%s\": expected a path under the images root "
                                          "(no '..', spaces or quotes) or an http(s) URL",
                                          img->initrds[i]);
        bool has_arm64 = img->kernel_arm64 && *img->kernel_arm64;
        if (has_arm64 && !validate_artifact(img->kernel_arm64))
                return store_fail(s, -EINVAL, "kernel_arm64",
                                  "kernel_arm64 \"%s\": expected a path under the images root "
                                  "(no '..', spaces or quotes) or an http(s) URL",
                                  img->kernel_arm64);
        if (img->n_initrds_arm64 && !has_arm64)
                return store_fail(s, -EINVAL, "initrds_arm64",
                                  "initrds_arm64 need a kernel_arm64 (arm64 machines otherwise "
                                  "boot the image's kernel and initrds)");
        if (img->n_initrds_arm64 > IMAGE_INITRDS_MAX)
                return store_fail(s, -EINVAL, "initrds_arm64", "at most %d initrds_arm64",
                                  IMAGE_INITRDS_MAX);
        for (size_t i = 0; i < img->n_initrds_arm64; i++)
                if (!validate_artifact(img->initrds_arm64[i]))
                        return store_fail(s, -EINVAL, "initrds_arm64",
                                          "initrd_arm64 \"%s\": expected a path under the images "
                                          "root (no '..', spaces or quotes) or an http(s) URL",
                                          img->initrds_arm64[i]);
        if (img->cmdline && !validate_text(img->cmdline, IMAGE_CMDLINE_MAX))
                return store_fail(s, -EINVAL, "cmdline",
                                  "cmdline: one line of at most %d characters", IMAGE_CMDLINE_MAX);
        if (img->script && strnlen(img->script, IMAGE_SCRIPT_MAX + 1) > IMAGE_SCRIPT_MAX)
                return store_fail(s, -EINVAL, "script", "script: at most %d bytes",
                                  IMAGE_SCRIPT_MAX);
        if (img->grub_script && strnlen(img->grub_script, IMAGE_SCRIPT_MAX + 1) > IMAGE_SCRIPT_MAX)
                return store_fail(s, -EINVAL, "grub_script", "grub_script: at most %d bytes",
                                  IMAGE_SCRIPT_MAX);
        if (img->description && !validate_text(img->description, IMAGE_DESC_MAX))
                return store_fail(s, -EINVAL, "description",
                                  "description: one line of at most %d characters", IMAGE_DESC_MAX);
        return 0;
}

static const char SQL_IMAGE_EXISTS[] = "SELECT created FROM image WHERE name = ?1";
static const char SQL_IMAGE_UPSERT[] =
    "INSERT INTO image (name, kernel, cmdline, script, description, created, updated, "
    "kernel_arm64, grub_script) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8) "
    "ON CONFLICT (name) DO UPDATE SET kernel = ?2, cmdline = ?3, script = ?4, "
    "description = ?5, updated = ?6, kernel_arm64 = ?7, grub_script = ?8";

/* The two ordered initrd lists: the image's, and its arm64 machines'. */
struct initrd_table {
        const char *clear, *add, *get;
};
static const struct initrd_table initrds_any = {
    "DELETE FROM image_initrd WHERE image = ?1",
    "INSERT INTO image_initrd (image, pos, path) VALUES (?1, ?2, ?3)",
    "SELECT path FROM image_initrd WHERE image = ?1 ORDER BY pos",
};
static const struct initrd_table initrds_arm64 = {
    "DELETE FROM image_initrd_arm64 WHERE image = ?1",
    "INSERT INTO image_initrd_arm64 (image, pos, path) VALUES (?1, ?2, ?3)",
    "SELECT path FROM image_initrd_arm64 WHERE image = ?1 ORDER BY pos",
};

static int write_initrds(struct store *s, const struct initrd_table *t, const char *image,
                         char *const *paths, size_t n)
{
        struct store_stmt *st = store_prepare(s, t->clear);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, image);
        if (store_step(st) < 0)
                return store_db_fail(s, "initrd write");
        for (size_t i = 0; i < n; i++) {
                st = store_prepare(s, t->add);
                if (!st)
                        return -EIO;
                store_bind_text(st, 1, image);
                store_bind_int64(st, 2, (int64_t)i);
                store_bind_text(st, 3, paths[i]);
                if (store_step(st) < 0)
                        return store_db_fail(s, "initrd write");
        }
        return 0;
}

static int image_write(struct store *s, const struct image *img, bool create)
{
        struct store_stmt *st = store_prepare(s, SQL_IMAGE_EXISTS);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, img->name);
        int rc = store_step(st);
        if (rc < 0)
                return store_db_fail(s, "image lookup");
        store_reset(st);
        bool exists = rc == STORE_ROW;
        if (create && exists)
                return store_fail(s, -EEXIST, "name", "image %s already exists", img->name);
        if (!create && !exists)
                return store_fail(s, -ENOENT, "name", "no image named %s", img->name);

        st = store_prepare(s, SQL_IMAGE_UPSERT);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, img->name);
        store_bind_text(st, 2, img->kernel ? img->kernel : "");
        store_bind_text(st, 3, img->cmdline ? img->cmdline : "");
        store_bind_text(st, 4, img->script && *img->script ? img->script : NULL);
        store_bind_text(st, 5, img->description ? img->description : "");
        store_bind_int64(st, 6, store_now_ms());
        store_bind_text(st, 7, img->kernel_arm64 ? img->kernel_arm64 : "");
        store_bind_text(st, 8, img->grub_script && *img->grub_script ? img->grub_script : NULL);
        if (store_step(st) < 0)
                return store_db_fail(s, "image write");
        int r = write_initrds(s, &initrds_any, img->name, img->initrds, img->n_initrds);
        if (r >= 0)
                r = write_initrds(s, &initrds_arm64, img->name, img->initrds_arm64,
                                  img->n_initrds_arm64);
        return r;
}

int store_image_put(struct store *s, const struct image *img, bool create)
{
        int r = image_validate(s, img);
        if (r < 0)
                return r;
        r = store_begin(s);
        if (r < 0)
                return r;
        json_t *before = store_audit_image(s, img->name);
        r = image_write(s, img, create);
        if (r >= 0)
                r = store_audit_tx(s, create ? "image.create" : "image.update", img->name, before,
                                   store_audit_image(s, img->name));
        else
                json_decref(before);
        if (r >= 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

#define IMAGE_COLS                                                                                 \
        "name, kernel, cmdline, script, description, created, updated, "                           \
        "(SELECT count(*) FROM machine WHERE machine.image = image.name), kernel_arm64, "          \
        "grub_script"

static const char SQL_IMAGE_GET[] = "SELECT " IMAGE_COLS " FROM image WHERE name = ?1";
static const char SQL_IMAGE_LIST[] = "SELECT " IMAGE_COLS " FROM image ORDER BY name";

/* Appends t's rows for image to *paths (*n of them so far). */
static int load_list(struct store *s, const struct initrd_table *t, const char *image,
                     char ***paths, size_t *n)
{
        struct store_stmt *st = store_prepare(s, t->get);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, image);
        int rc;
        bool oom = false;
        while ((rc = store_step(st)) == STORE_ROW) {
                char **v = realloc(*paths, (*n + 1) * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                *paths = v;
                v[*n] = store_col_dup(st, 0, &oom);
                if (oom)
                        return -ENOMEM;
                (*n)++;
        }
        return rc == STORE_DONE ? 0 : store_db_fail(s, "initrd read");
}

static int load_initrds(struct store *s, struct image *img)
{
        int r = load_list(s, &initrds_any, img->name, &img->initrds, &img->n_initrds);
        if (r >= 0 && img->kernel_arm64 && *img->kernel_arm64)
                r = load_list(s, &initrds_arm64, img->name, &img->initrds_arm64,
                              &img->n_initrds_arm64);
        return r;
}

static int image_from_row(struct store *s, struct store_stmt *st, struct image *img)
{
        bool oom = false;
        *img = (struct image){0};
        img->name = store_col_dup(st, 0, &oom);
        img->kernel = store_col_dup(st, 1, &oom);
        img->cmdline = store_col_dup(st, 2, &oom);
        img->script = store_col_dup(st, 3, &oom);
        img->description = store_col_dup(st, 4, &oom);
        img->created = store_col_int64(st, 5);
        img->updated = store_col_int64(st, 6);
        img->machines = store_col_int64(st, 7);
        img->kernel_arm64 = store_col_dup(st, 8, &oom);
        img->grub_script = store_col_dup(st, 9, &oom);
        if (oom || !img->name) {
                image_done(img);
                return store_fail(s, -ENOMEM, NULL, "out of memory");
        }
        return 0;
}

int store_image_get(struct store *s, const char *name, struct image *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_IMAGE_GET);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, name);
        int rc = store_step(st);
        if (rc == STORE_DONE)
                return store_fail(s, -ENOENT, "image", "no image named %s", name);
        if (rc != STORE_ROW)
                return store_db_fail(s, "image read");
        struct image img;
        int r = image_from_row(s, st, &img);
        store_reset(st);
        if (r < 0)
                return r;
        r = load_initrds(s, &img);
        if (r < 0) {
                image_done(&img);
                return r;
        }
        *ret = img;
        return 0;
}

int store_image_list(struct store *s, struct image **ret, size_t *ret_n)
{
        struct store_stmt *st = store_prepare(s, SQL_IMAGE_LIST);
        if (!st)
                return -EIO;
        struct image *v = NULL;
        size_t n = 0;
        int rc, r = 0;
        while ((rc = store_step(st)) == STORE_ROW) {
                struct image *nv = realloc(v, (n + 1) * sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                r = image_from_row(s, st, &v[n]);
                if (r < 0)
                        break;
                n++;
        }
        if (r == 0 && rc != STORE_DONE)
                r = store_db_fail(s, "image list");
        store_reset(st);
        for (size_t i = 0; r == 0 && i < n; i++)
                r = load_initrds(s, &v[i]);
        if (r < 0) {
                image_list_free(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static const char SQL_IMAGE_USERS[] = "SELECT mac FROM machine WHERE image = ?1 ORDER BY mac";
static const char SQL_IMAGE_UNASSIGN[] =
    "UPDATE machine SET image = NULL, state = 'unassigned' WHERE image = ?1";
static const char SQL_IMAGE_DELETE[] = "DELETE FROM image WHERE name = ?1";

/* Lists the machines using the image into users (truncated); their count. */
static int image_users(struct store *s, const char *name, char *users, size_t cap, size_t *used)
{
        struct store_stmt *st = store_prepare(s, SQL_IMAGE_USERS);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, name);
        int n_users = 0, rc;
        while ((rc = store_step(st)) == STORE_ROW) {
                const char *mac = store_col_text(st, 0);
                if (*used + 24 < cap)
                        *used += (size_t)snprintf(users + *used, cap - *used, "%s%s",
                                                  n_users ? ", " : "", mac ? mac : "");
                n_users++;
        }
        if (rc != STORE_DONE)
                return store_db_fail(s, "image users");
        return n_users;
}

static int image_remove_tx(struct store *s, const char *name, bool force)
{
        char users[200] = "";
        size_t used = 0;
        int n_users = image_users(s, name, users, sizeof(users), &used);
        if (n_users < 0)
                return n_users;
        if (n_users && !force)
                return store_fail(s, -EBUSY, "name",
                                  "image %s is assigned to %d machine%s (%s%s); "
                                  "unassign them or force the removal",
                                  name, n_users, n_users == 1 ? "" : "s", users,
                                  used + 24 >= sizeof(users) ? ", ..." : "");
        struct store_stmt *st;
        if (n_users) {
                st = store_prepare(s, SQL_IMAGE_UNASSIGN);
                if (!st)
                        return -EIO;
                store_bind_text(st, 1, name);
                if (store_step(st) < 0)
                        return store_db_fail(s, "unassign");
        }
        st = store_prepare(s, SQL_IMAGE_DELETE);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, name);
        if (store_step(st) < 0)
                return store_db_fail(s, "image delete");
        if (store_changes(st) == 0)
                return store_fail(s, -ENOENT, "name", "no image named %s", name);
        return 0;
}
int store_image_remove(struct store *s, const char *name, bool force)
{
        int r = store_begin(s);
        if (r < 0)
                return r;
        json_t *before = store_audit_image(s, name);
        r = image_remove_tx(s, name, force);
        if (r >= 0)
                r = store_audit_tx(s, "image.delete", name, before, NULL);
        else
                json_decref(before);
        if (r >= 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        return r;
}
