/* Validation of administrator- and client-supplied values.
 *
 * Values that end up inside iPXE scripts, kernel command lines or URLs are
 * restricted here, at input, to character sets that cannot carry commands;
 * renderers escape again at output (defence in depth). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* [a-z0-9][a-z0-9._-]{0,62} */
bool validate_image_name(const char *s);

/* RFC 1123 host name: labels of [A-Za-z0-9-] (no leading/trailing '-'),
 * 1-63 chars, separated by '.', at most 253 chars. */
bool validate_hostname(const char *s);

/* Dotted-quad IPv4 "A.B.C.D" (no leading zeros beyond "0"); host byte order. */
int validate_ipv4(const char *s, uint32_t *ret_host_order);
void format_ipv4(uint32_t host_order, char out[16]);

/* http:// or https:// URL of printable, non-space ASCII, no trailing '/'. */
bool validate_http_url(const char *s);

/* A PostgreSQL connection URI as libpq takes it: "postgresql://" or
 * "postgres://", then printable ASCII without spaces. */
bool validate_db_url(const char *s);

/* A kernel/initrd reference: an http(s) URL, or a relative path beneath the
 * images root (no "..", no leading '/', printable ASCII without spaces). */
bool validate_artifact(const char *s);

/* "ADDR:PORT" with an IPv4 address; outputs optional. */
int validate_listen(const char *s, uint32_t *ret_addr_host_order, uint16_t *ret_port);

/* Free text (notes, description, cmdline): no control characters except
 * tab; at most max_len bytes. */
bool validate_text(const char *s, size_t max_len);
