/* JSON views of inventory objects, shared by the CLI (--json) and the REST
 * API so both speak the same shapes.  Times are ISO 8601 UTC strings with
 * milliseconds ("2026-11-25T21:28:38.123Z"), null when never. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

json_t *json_time(int64_t ms);
json_t *image_to_json(const struct image *img);
json_t *machine_to_json(const struct machine *m);
json_t *event_to_json(const struct boot_event *e);
/* A boot attempt (core/boot_attempts.h): start, end, duration_ms, the
 * stages it reached ("steps", in boot order), "reached", "outcome" ("ok" or
 * "failed"), "failure" (the failed step: stage, outcome, detail, at; null),
 * "bytes" (per stage with transfers: bytes sent) and its events, oldest
 * first. */
json_t *attempt_to_json(const struct boot_attempt *a);
/* An audit log row; before/after as JSON objects (null when none). */
json_t *audit_to_json(const struct audit_entry *e);
