/* JSON views of inventory objects, shared by the CLI (--json) and the REST
 * API so both speak the same shapes.  Times are ISO 8601 UTC strings with
 * milliseconds ("2026-11-25T21:28:38.123Z"), null when never. */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

json_t *json_time(int64_t ms);
json_t *image_to_json(const struct image *img);
/* Adds to an image's JSON "broken" (a local kernel or initrd is missing
 * under the images root at images_fd; null when there is none to look in)
 * and "warnings" (one line per missing file). */
void image_json_files(json_t *j, int images_fd, const struct image *img);
json_t *machine_to_json(const struct machine *m);
json_t *event_to_json(const struct boot_event *e);
