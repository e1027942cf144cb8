/* HTTP byte-range requests (RFC 9110 §14): pure parsing, no I/O. */
#pragma once

#include <stdint.h>

enum http_range_result {
        HTTP_RANGE_NONE,          /* no usable Range: send the whole file (200) */
        HTTP_RANGE_OK,            /* one satisfiable range: 206 */
        HTTP_RANGE_UNSATISFIABLE, /* 416 with Content-Range: bytes * / size */
};

/* Parses a Range header value against a resource of `size` bytes.  Only a
 * single "bytes=" range is honoured (iPXE asks for one, for sanboot);
 * several ranges, other units or syntax errors are ignored, as RFC 9110
 * allows, and the whole file is sent.  On HTTP_RANGE_OK *ret_first and
 * *ret_len describe the bytes to send. */
enum http_range_result http_range_parse(const char *value, uint64_t size, uint64_t *ret_first,
                                        uint64_t *ret_len);
