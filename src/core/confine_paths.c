/* The paths serve may open after start-up; see confine.h.  Pure: strings
 * from the configuration in, strings out (applying looks at the disk). */
#include "core/confine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Read at run time by libc (name service, time zone, getaddrinfo for a
 * PostgreSQL host), GnuTLS and libpq.  /usr holds nothing secret and much
 * that is loaded late (NSS modules, zoneinfo, CA bundles, the shim and GRUB
 * binaries); /etc is listed file by file because it does hold secrets.
 * resolv.conf is often a symlink into /run, rewritten by rename(): its
 * directories there are allowed whole so a rewrite stays readable. */
static const char *const system_ro[] = {
    "/usr",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/run/systemd/resolve",
    "/run/resolvconf",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/passwd",
    "/etc/group",
    "/etc/localtime",
    "/etc/ld.so.cache",
    "/etc/ssl",
    "/etc/gnutls",
    "/dev/urandom",
    "/dev/random",
    "/sys/devices/system/cpu", /* glibc's malloc sizes its arenas from it */
};

/* libpq's own files, when the inventory is in PostgreSQL. */
static const char *const pg_etc_ro[] = {
    "/etc/postgresql-common", /* pg_service.conf */
    "/etc/krb5.conf",
    "/etc/gss",
};

static const char *const pg_env_ro[] = {
    "PGPASSFILE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGSSLROOTCERT",
    "PGSSLCERT",  "PGSSLKEY",      "PGSSLCRL",     "PGSSLCRLDIR",
};

static const char *const pg_home_ro[] = {".pgpass", ".pg_service.conf", ".postgresql"};

/* URI parameters naming files libpq opens (on every connection). */
static const char *const pg_uri_files[] = {
    "passfile", "sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir",
};

int confine_paths_add(struct confine_paths *ps, const char *path, enum confine_access a)
{
        if (!path || !*path)
                return -EINVAL;
        for (size_t i = 0; i < ps->n; i++)
                if (strcmp(ps->p[i].path, path) == 0) {
                        if (a > ps->p[i].access)
                                ps->p[i].access = a;
                        return 0;
                }
        if (ps->n == CONFINE_PATHS_MAX)
                return -ENOSPC;
        char *dup = strdup(path);
        if (!dup)
                return -ENOMEM;
        ps->p[ps->n++] = (struct confine_path){dup, a};
        return 0;
}

/* The directory of path ("/a/b" -> "/a", "b" -> ".", "/b" -> "/"). */
static int add_dir_of(struct confine_paths *ps, const char *path, enum confine_access a)
{
        const char *slash = strrchr(path, '/');
        if (!slash)
                return confine_paths_add(ps, ".", a);
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        char *dir = strndup(path, n);
        if (!dir)
                return -ENOMEM;
        int r = confine_paths_add(ps, dir, a);
        free(dir);
        return r;
}

static int hexval(char c)
{
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
}

/* Percent-decodes s[0..n) into a new string (NULL on a bad escape, a NUL
 * or no memory). */
static char *pct_decode(const char *s, size_t n)
{
        char *out = malloc(n + 1), *o = out;
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] != '%') {
                        *o++ = s[i];
                        continue;
                }
                int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
                int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
                if (lo < 0 || (hi == 0 && lo == 0)) {
                        free(out);
                        return NULL;
                }
                *o++ = (char)(hi * 16 + lo);
                i += 2;
        }
        *o = '\0';
        return out;
}

/* Files named in a postgresql:// URI's query ("?sslrootcert=/x&..."). */
static int add_uri_files(struct confine_paths *ps, const char *url)
{
        const char *q = strchr(url, '?');
        for (q = q ? q + 1 : NULL; q && *q;) {
                size_t len = strcspn(q, "&");
                const char *eq = memchr(q, '=', len);
                for (size_t k = 0; eq && k < sizeof(pg_uri_files) / sizeof(pg_uri_files[0]); k++) {
                        size_t kl = strlen(pg_uri_files[k]);
                        if ((size_t)(eq - q) != kl || strncmp(q, pg_uri_files[k], kl) != 0)
                                continue;
                        char *v = pct_decode(eq + 1, len - kl - 1);
                        int r = v && *v ? confine_paths_add(ps, v, CONFINE_RO) : 0;
                        free(v);
                        if (r < 0)
                                return r;
                }
                q += len + (q[len] == '&');
        }
        return 0;
}

static int add_pg(struct confine_paths *ps, const char *url, const char *(*env)(const char *))
{
        int r = 0;
        for (size_t i = 0; r >= 0 && i < sizeof(pg_etc_ro) / sizeof(pg_etc_ro[0]); i++)
                r = confine_paths_add(ps, pg_etc_ro[i], CONFINE_RO);
        for (size_t i = 0; r >= 0 && env && i < sizeof(pg_env_ro) / sizeof(pg_env_ro[0]); i++) {
                const char *v = env(pg_env_ro[i]);
                if (v && *v)
                        r = confine_paths_add(ps, v, CONFINE_RO);
        }
        const char *home = env ? env("HOME") : NULL;
        for (size_t i = 0;
             r >= 0 && home && *home && i < sizeof(pg_home_ro) / sizeof(pg_home_ro[0]); i++) {
                size_t n = strlen(home) + strlen(pg_home_ro[i]) + 2;
                char *p = malloc(n);
                if (!p)
                        return -ENOMEM;
                strcpy(p, home);
                strcat(p, "/");
                strcat(p, pg_home_ro[i]);
                r = confine_paths_add(ps, p, CONFINE_RO);
                free(p);
        }
        return r < 0 ? r : add_uri_files(ps, url);
}

/* The images root: read-only, unless [images] upload is on. */
static enum confine_access images_access(const struct config *c)
{
        /* Uploads (routes_api_files.c) create a temporary file in the
         * target directory, then rename it into place and may remove it. */
        return c->images_upload ? CONFINE_RW : CONFINE_RO;
}

int confine_paths_from_config(const struct config *c, const char *(*env)(const char *name),
                              struct confine_paths *ps)
{
        int r = 0;
        for (size_t i = 0; r >= 0 && i < sizeof(system_ro) / sizeof(system_ro[0]); i++)
                r = confine_paths_add(ps, system_ro[i], CONFINE_RO);
        if (r >= 0)
                r = confine_paths_add(ps, "/dev/null", CONFINE_RW);
        /* The state directory: the SQLite file and its -wal, -shm and
         * -journal, which SQLite creates and deletes as it goes. */
        if (r >= 0)
                r = confine_paths_add(ps, c->state_dir, CONFINE_RW);
        if (r >= 0 && !*c->store_url && *c->database && strncmp(c->database, "file:", 5) != 0 &&
            *c->database != ':')
                r = add_dir_of(ps, c->database, CONFINE_RW);
        if (r >= 0 && *c->store_url)
                r = add_pg(ps, c->store_url, env);
        /* The default images root lies in the state directory and is
         * writable as part of it. */
        char *images = r >= 0 ? config_images_root(c) : NULL;
        if (r >= 0)
                r = images ? confine_paths_add(ps, images, images_access(c)) : -ENOMEM;
        free(images);
        /* Boot-file map: the directory of each (resolved) file, not the
         * file: a package upgrade replaces the file by rename(), and a rule
         * on the old file would leave the new one unreadable. */
        for (size_t i = 0; r >= 0 && i < c->bootfiles.n; i++)
                r = add_dir_of(ps, c->bootfiles.files[i].path, CONFINE_RO);
        return r < 0 ? r : 0;
}

void confine_paths_done(struct confine_paths *ps)
{
        for (size_t i = 0; i < ps->n; i++)
                free(ps->p[i].path);
        ps->n = 0;
}
