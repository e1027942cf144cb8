/* /api/v1/images: list, get, create, replace (PUT), update (PATCH), delete
 * (409 while machines use it, unless ?force=1, which unassigns them). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/image_files.h"
#include "core/validate.h"
#include "http/routes.h"
#include "http/routes_api.h"
#include "json/inventory_json.h"

static const char *const image_fields[] = {
    "name",        "kernel",       "initrds",       "cmdline",     "script",
    "description", "kernel_arm64", "initrds_arm64", "grub_script", NULL};

static int set_owned(char **dst, const char *v)
{
        char *d = v ? strdup(v) : NULL;
        if (v && !d)
                return -ENOMEM;
        free(*dst);
        *dst = d;
        return 0;
}

static int oom(struct api_field_err *err)
{
        err->field = NULL;
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return -ENOMEM;
}

/* o[key], when present: an array of strings into *paths, *n. */
static int read_initrds(json_t *o, const char *key, char ***paths, size_t *n_paths,
                        struct api_field_err *err)
{
        json_t *arr = json_object_get(o, key);
        if (!arr)
                return 0;
        if (!json_is_array(arr)) {
                err->field = key;
                snprintf(err->msg, sizeof(err->msg), "%s: expected an array of strings", key);
                return -EINVAL;
        }
        size_t n = json_array_size(arr);
        char **v = calloc(n ? n : 1, sizeof(*v));
        if (!v)
                return oom(err);
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(arr, i);
                const char *s = json_string_value(e);
                if (!s || strlen(s) != json_string_length(e) || !(v[i] = strdup(s))) {
                        for (size_t k = 0; k < i; k++)
                                free(v[k]);
                        free(v);
                        if (s && strlen(s) == json_string_length(e))
                                return oom(err);
                        err->field = key;
                        snprintf(err->msg, sizeof(err->msg), "%s: expected an array of strings",
                                 key);
                        return -EINVAL;
                }
        }
        for (size_t i = 0; i < *n_paths; i++)
                free((*paths)[i]);
        free(*paths);
        *paths = v;
        *n_paths = n;
        return 0;
}

int api_image_from_json(json_t *o, struct image *img, struct api_field_err *err)
{
        static const struct {
                const char *key;
                size_t off;
                bool nullable;
        } strs[] = {
            {"name", offsetof(struct image, name), false},
            {"kernel", offsetof(struct image, kernel), false},
            {"cmdline", offsetof(struct image, cmdline), false},
            {"script", offsetof(struct image, script), true},
            {"description", offsetof(struct image, description), false},
            {"kernel_arm64", offsetof(struct image, kernel_arm64), false},
            {"grub_script", offsetof(struct image, grub_script), true},
        };
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
                const char *v = NULL;
                bool present;
                if (api_str(o, strs[i].key, strs[i].nullable, &v, &present, err) < 0)
                        return -EINVAL;
                if (!present)
                        continue;
                /* An empty script means "no script": kernel/initrd/boot. */
                if (strs[i].nullable && v && !*v)
                        v = NULL;
                if (set_owned((char **)((char *)img + strs[i].off), v) < 0)
                        return oom(err);
        }
        int r = read_initrds(o, "initrds", &img->initrds, &img->n_initrds, err);
        if (r < 0)
                return r;
        return read_initrds(o, "initrds_arm64", &img->initrds_arm64, &img->n_initrds_arm64, err);
}

/* An image as the API shows it: with whether its local files exist now. */
static json_t *image_json(struct api_req *a, const struct image *img)
{
        json_t *j = image_to_json(img);
        if (j)
                image_files_json(j, a->r->ctx->images_fd, img);
        return j;
}

static enum MHD_Result image_list(struct api_req *a)
{
        struct image *imgs;
        size_t n;
        int rc = store_image_list(a->r->store, &imgs, &n);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, image_json(a, &imgs[i]));
        image_list_free(imgs, n);
        return api_reply(a, MHD_HTTP_OK,
                         json_pack("{s:o, s:I}", "images", arr, "total", (json_int_t)n));
}

static enum MHD_Result image_get(struct api_req *a, const char *name)
{
        struct image img;
        int rc = store_image_get(a->r->store, name, &img);
        if (rc < 0)
                return api_store_error(a, rc, "image");
        json_t *j = image_json(a, &img);
        image_done(&img);
        return api_reply(a, MHD_HTTP_OK, j);
}

/* POST (create), PUT (replace: absent fields reset) or PATCH (merge). */
static enum MHD_Result image_write(struct api_req *a, const char *url_name)
{
        enum MHD_Result reply;
        json_t *o = api_body(a, image_fields, &reply);
        if (!o)
                return reply;
        bool create = !url_name, patch = strcmp(a->method, "PATCH") == 0;
        struct image img = {0};
        struct api_field_err err;
        int rc = 0;
        if (patch) {
                rc = store_image_get(a->r->store, url_name, &img);
                if (rc < 0) {
                        json_decref(o);
                        return api_store_error(a, rc, "image");
                }
        }
        if (api_image_from_json(o, &img, &err) < 0) {
                json_decref(o);
                image_done(&img);
                return api_field_error(a, &err);
        }
        json_decref(o);
        if (!create && img.name && strcmp(img.name, url_name) != 0) {
                image_done(&img);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "name",
                                 "images cannot be renamed (name in body differs from URL)");
        }
        if (!create && !img.name && set_owned(&img.name, url_name) < 0) {
                image_done(&img);
                return api_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
        }
        if (create && !img.name) {
                image_done(&img);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "name", "name is required");
        }
        store_idle(a->r->store); /* end the read before writing */
        rc = store_image_put(a->r->store, &img, create);
        if (rc < 0) {
                image_done(&img);
                return api_store_error(a, rc, create ? "" : "name");
        }
        struct image saved;
        rc = store_image_get(a->r->store, img.name, &saved);
        image_done(&img);
        if (rc < 0)
                return api_store_error(a, rc, NULL);
        json_t *j = image_json(a, &saved);
        image_done(&saved);
        return api_reply(a, create ? MHD_HTTP_CREATED : MHD_HTTP_OK, j);
}

static enum MHD_Result image_delete(struct api_req *a, const char *name)
{
        int rc = store_image_remove(a->r->store, name, api_query_flag(a, "force"));
        if (rc < 0)
                return api_store_error(a, rc, "name");
        return api_no_content(a);
}

enum MHD_Result api_images(struct api_req *a)
{
        const char *m = a->method;
        if (a->n_seg == 1) {
                if (strcmp(m, "GET") == 0)
                        return image_list(a);
                if (strcmp(m, "POST") == 0)
                        return image_write(a, NULL);
                return api_method_not_allowed(a, "GET, HEAD, POST");
        }
        if (a->n_seg != 2)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        const char *name = a->seg[1];
        if (strcmp(m, "GET") == 0)
                return image_get(a, name);
        if (strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0)
                return image_write(a, name);
        if (strcmp(m, "DELETE") == 0)
                return image_delete(a, name);
        return api_method_not_allowed(a, "GET, HEAD, PUT, PATCH, DELETE");
}

/* The limits store_image_put() enforces (store/store_image.c), applied to
 * an image that is previewed, not saved: the preview renders what saving
 * would accept, never more. */
#define PREVIEW_CMDLINE_MAX 4096
#define PREVIEW_SCRIPT_MAX  65536
#define PREVIEW_DESC_MAX    1024
#define PREVIEW_INITRDS_MAX 32

static int preview_check(const struct image *img, struct api_field_err *err)
{
        const char *field = NULL, *msg = NULL;
        bool has_script = img->script && *img->script;
        if (img->name && !validate_image_name(img->name))
                field = "name", msg = "invalid image name: use [a-z0-9][a-z0-9._-]{0,62}";
        else if ((!img->kernel || !*img->kernel) && !has_script)
                field = "kernel", msg = "an image needs a kernel (or a script template)";
        else if (img->kernel && *img->kernel && !validate_artifact(img->kernel))
                field = "kernel", msg = "kernel: expected a path under the images root (no "
                                        "'..', spaces or quotes) or an http(s) URL";
        else if (img->n_initrds > PREVIEW_INITRDS_MAX)
                field = "initrds", msg = "at most 32 initrds";
        else if (img->kernel_arm64 && *img->kernel_arm64 && !validate_artifact(img->kernel_arm64))
                field = "kernel_arm64", msg = "kernel_arm64: expected a path under the images "
                                              "root (no '..', spaces or quotes) or an http(s) URL";
        else if (img->n_initrds_arm64 && !(img->kernel_arm64 && *img->kernel_arm64))
                field = "initrds_arm64", msg = "initrds_arm64 need a kernel_arm64";
        else if (img->n_initrds_arm64 > PREVIEW_INITRDS_MAX)
                field = "initrds_arm64", msg = "at most 32 initrds_arm64";
        else if (img->cmdline && !validate_text(img->cmdline, PREVIEW_CMDLINE_MAX))
                field = "cmdline", msg = "cmdline: one line of at most 4096 characters";
        else if (img->script && strnlen(img->script, PREVIEW_SCRIPT_MAX + 1) > PREVIEW_SCRIPT_MAX)
                field = "script", msg = "script: at most 65536 bytes";
        else if (img->grub_script &&
                 strnlen(img->grub_script, PREVIEW_SCRIPT_MAX + 1) > PREVIEW_SCRIPT_MAX)
                field = "grub_script", msg = "grub_script: at most 65536 bytes";
        else if (img->description && !validate_text(img->description, PREVIEW_DESC_MAX))
                field = "description", msg = "description: one line of at most 1024 characters";
        for (size_t i = 0; !field && i < img->n_initrds; i++)
                if (!validate_artifact(img->initrds[i]))
                        field = "initrds", msg = "initrd: expected a path under the images root "
                                                 "(no '..', spaces or quotes) or an http(s) URL";
        for (size_t i = 0; !field && i < img->n_initrds_arm64; i++)
                if (!validate_artifact(img->initrds_arm64[i]))
                        field = "initrds_arm64",
                        msg = "initrd_arm64: expected a path under the images root "
                              "(no '..', spaces or quotes) or an http(s) URL";
        if (!field)
                return 0;
        err->field = field;
        snprintf(err->msg, sizeof(err->msg), "%s", msg);
        return -EINVAL;
}

/* "format": a boot format's name (boot_format_name()), default "ipxe". */
static int preview_format(json_t *o, enum boot_format *ret, struct api_field_err *err)
{
        const char *s = NULL;
        bool present;
        if (api_str(o, "format", false, &s, &present, err) < 0)
                return -EINVAL;
        *ret = BOOT_FORMAT_IPXE_HTTP;
        for (int f = 0; present && f < BOOT_FORMAT_N; f++)
                if (strcmp(s, boot_format_name((enum boot_format)f)) == 0) {
                        *ret = (enum boot_format)f;
                        return 0;
                }
        if (!present)
                return 0;
        err->field = "format";
        snprintf(err->msg, sizeof(err->msg),
                 "format: one of ipxe, ipxe-tftp, pxelinux, grub, grub-tftp");
        return -EINVAL;
}

/* POST /api/v1/preview {"mac": MAC, "image": {image fields}, "format": F}:
 * the script (or configuration) that machine would get with that
 * (unsaved) image, rendered by the same code as /boot/<mac>.ipxe and
 * grub.cfg-01-<mac>.  Without "image": the one it gets now. */
enum MHD_Result api_preview(struct api_req *a)
{
        static const char *const fields[] = {"mac", "image", "format", NULL};
        if (a->n_seg != 1)
                return api_error(a, MHD_HTTP_NOT_FOUND, NULL, "no such resource");
        if (strcmp(a->method, "POST") != 0)
                return api_method_not_allowed(a, "POST");
        enum MHD_Result reply;
        json_t *o = api_body(a, fields, &reply);
        if (!o)
                return reply;
        const char *ms = NULL;
        bool present;
        struct api_field_err err;
        struct mac mac;
        enum boot_format fmt;
        if (api_str(o, "mac", false, &ms, &present, &err) < 0 ||
            preview_format(o, &fmt, &err) < 0) {
                json_decref(o);
                return api_field_error(a, &err);
        }
        if (!present || mac_parse_str(ms, &mac) < 0) {
                json_decref(o);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "mac",
                                 present ? "mac: not a MAC address" : "mac is required");
        }
        json_t *jimg = json_object_get(o, "image");
        struct image img = {0};
        bool with_image = jimg && !json_is_null(jimg);
        if (with_image && !json_is_object(jimg)) {
                json_decref(o);
                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, "image",
                                 "image: expected an object with image fields");
        }
        if (with_image) {
                const char *key;
                json_t *v;
                json_object_foreach(jimg, key, v)
                {
                        bool known = false;
                        for (const char *const *k = image_fields; *k && !known; k++)
                                known = strcmp(*k, key) == 0;
                        if (!known) {
                                char name[64];
                                snprintf(name, sizeof(name), "%s", key);
                                json_decref(o);
                                return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT, name,
                                                 "unknown image field \"%s\"", name);
                        }
                }
                if (api_image_from_json(jimg, &img, &err) < 0 || preview_check(&img, &err) < 0) {
                        json_decref(o);
                        image_done(&img);
                        return api_field_error(a, &err);
                }
        }
        json_decref(o);
        struct strbuf b;
        strbuf_init(&b);
        char serr[SCRIPT_ERR_MAX] = "";
        int rc = routes_boot_render(a->r, fmt, &mac, with_image ? &img : NULL, &b, serr);
        image_done(&img);
        if (rc < 0 || b.oom) {
                strbuf_free(&b);
                bool grub = fmt == BOOT_FORMAT_GRUB || fmt == BOOT_FORMAT_GRUB_TFTP;
                if (rc == -EINVAL)
                        return api_error(a, MHD_HTTP_UNPROCESSABLE_CONTENT,
                                         grub ? "grub_script" : "script", "%s", serr);
                return api_error(a, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "%s", serr);
        }
        char m[MAC_STR_LEN];
        mac_format(&mac, m);
        json_t *j = json_pack("{s:s, s:s}", "mac", m, "script", b.s ? b.s : "");
        strbuf_free(&b);
        return api_reply(a, MHD_HTTP_OK, j);
}
