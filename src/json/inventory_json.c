/* JSON views of inventory objects; see inventory_json.h. */
#include "json/inventory_json.h"

#include <stdio.h>
#include <time.h>

#include "core/validate.h"

json_t *json_time(int64_t ms)
{
        if (ms <= 0)
                return json_null();
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        char buf[96];
        snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
        return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
        return s ? json_string(s) : json_null();
}

static json_t *str_array(char *const *v, size_t n)
{
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, json_string(v[i]));
        return arr;
}

json_t *image_to_json(const struct image *img)
{
        return json_pack("{s:s, s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:I, s:s, s:o, s:o}", "name",
                         img->name, "kernel", img->kernel ? img->kernel : "", "initrds",
                         str_array(img->initrds, img->n_initrds), "cmdline",
                         img->cmdline ? img->cmdline : "", "script", str_or_null(img->script),
                         "description", img->description ? img->description : "", "created",
                         json_time(img->created), "updated", json_time(img->updated), "machines",
                         (json_int_t)img->machines, "kernel_arm64",
                         img->kernel_arm64 ? img->kernel_arm64 : "", "initrds_arm64",
                         str_array(img->initrds_arm64, img->n_initrds_arm64), "grub_script",
                         str_or_null(img->grub_script));
}

json_t *machine_to_json(const struct machine *m)
{
        char mac[MAC_STR_LEN], ip[16];
        mac_format(&m->mac, mac);
        json_t *jip = json_null();
        if (m->ipv4) {
                format_ipv4(m->ipv4, ip);
                jip = json_string(ip);
        }
        json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:o}",
                              "mac", mac, "hostname", str_or_null(m->hostname), "image",
                              str_or_null(m->image), "ip", jip, "notes", m->notes ? m->notes : "",
                              "state", machine_state_name(m->state), "boot_file",
                              str_or_null(m->boot_file), "netboot", m->netboot, "first_seen",
                              json_time(m->first_seen), "last_seen", json_time(m->last_seen),
                              "last_stage", str_or_null(m->last_stage), "last_stage_at",
                              json_time(m->last_stage_at), "created", json_time(m->created));
        /* Which server saw it last (several servers on one database). */
        if (j)
                json_object_set_new(j, "last_server", str_or_null(m->last_server));
        if (j)
                json_object_set_new(j, "secure_boot", json_boolean(m->secure_boot));
        /* snponly.efi -> ipxe.efi fallback (null = none; boot_plan.h). */
        if (j)
                json_object_set_new(j, "snponly_fallback_at", json_time(m->snponly_fallback_at));
        /* "failing" from its last failed boot step until a later success
         * (core/boot_outcome.h), with that step; else "ok". */
        if (j)
                json_object_set_new(j, "status", json_string(m->fail_outcome ? "failing" : "ok"));
        if (j)
                json_object_set_new(j, "failure",
                                    m->fail_outcome
                                        ? json_pack("{s:s, s:s, s:s, s:o}", "stage",
                                                    m->fail_stage ? m->fail_stage : "", "outcome",
                                                    m->fail_outcome, "detail",
                                                    m->fail_detail ? m->fail_detail : "", "at",
                                                    json_time(m->fail_at))
                                        : json_null());
        /* The stages its latest attempt went through (only those): "ok",
         * "failed", or "retried" (both failed and worked in the attempt). */
        json_t *att = json_array();
        for (int r = 0; r < BOOT_STAGES; r++) {
                bool ok = m->attempt_stages & BOOT_MASK_OK(r);
                bool failed = m->attempt_stages & BOOT_MASK_FAILED(r);
                if (ok || failed)
                        json_array_append_new(att, json_pack("{s:s, s:s}", "stage",
                                                             boot_stage_name(r), "outcome",
                                                             !failed ? "ok"
                                                             : ok    ? "retried"
                                                                     : "failed"));
        }
        if (j)
                json_object_set_new(j, "last_attempt", att);
        else
                json_decref(att);
        return j;
}

json_t *event_to_json(const struct boot_event *e)
{
        char mac[MAC_STR_LEN];
        mac_format(&e->mac, mac);
        json_t *j = json_pack("{s:I, s:o, s:s, s:s, s:s, s:s}", "id", (json_int_t)e->id, "time",
                              json_time(e->time), "mac", mac, "stage", e->stage, "detail",
                              e->detail, "peer", e->peer);
        if (j)
                json_object_set_new(j, "server", json_string(e->server));
        if (j)
                json_object_set_new(j, "outcome",
                                    json_string(e->outcome[0] ? e->outcome : BOOT_OK));
        /* A transfer's figures (null: the step was not one). */
        if (j)
                json_object_set_new(j, "bytes", e->xfer ? json_integer(e->bytes) : json_null());
        if (j)
                json_object_set_new(j, "size", e->xfer ? json_integer(e->size) : json_null());
        if (j)
                json_object_set_new(j, "duration_ms",
                                    e->xfer ? json_integer(e->duration_ms) : json_null());
        return j;
}

json_t *attempt_to_json(const struct boot_attempt *a)
{
        json_t *steps = json_array(), *bytes = json_object(), *evs = json_array();
        for (int r = 0; r < BOOT_STAGES; r++) {
                if (a->seen[r])
                        json_array_append_new(steps, json_string(boot_stage_name(r)));
                if (a->xfer[r])
                        json_object_set_new(bytes, boot_stage_name(r), json_integer(a->bytes[r]));
        }
        for (size_t i = 0; i < a->n_events; i++)
                json_array_append_new(evs, event_to_json(a->events[i]));
        const struct boot_event *f = a->failure;
        json_t *failure = f ? json_pack("{s:s, s:s, s:s, s:o}", "stage", f->stage, "outcome",
                                        f->outcome, "detail", f->detail, "at", json_time(f->time))
                            : json_null();
        return json_pack(
            "{s:o, s:o, s:I, s:o, s:o, s:s, s:o, s:o, s:o}", "start", json_time(a->start), "end",
            json_time(a->end), "duration_ms", (json_int_t)(a->end - a->start), "steps", steps,
            "reached", a->reached >= 0 ? json_string(boot_stage_name(a->reached)) : json_null(),
            "outcome", f ? "failed" : BOOT_OK, "failure", failure, "bytes", bytes, "events", evs);
}

/* A stored before/after text as JSON (null when none or unreadable). */
static json_t *state_json(const char *s)
{
        json_t *j = s ? json_loads(s, 0, NULL) : NULL;
        return j ? j : json_null();
}

json_t *audit_to_json(const struct audit_entry *e)
{
        return json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)e->id, "time",
                         json_time(e->time), "actor", e->actor, "action", e->action, "object",
                         e->object, "before", state_json(e->before), "after", state_json(e->after));
}
