/* Logging: one line per event on stderr, "LEVEL subsystem key=value ...".
 *
 * Log at the edges (servers, CLI), tagged with the object the line is about;
 * codecs and policy never log, they return errors.  Thread-safe: each line is
 * written with a single write(2). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns -EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *ret);

#define LOG_LINE_MAX 2048 /* bytes per line, newline included; longer ones are cut */

/* Writes one line: time, level, then the formatted message with every byte
 * outside printable ASCII (control characters, ESC, DEL, >= 0x80) escaped
 * as \xNN (log_escape()), so no peer-supplied string (URL, TFTP file name,
 * DHCP option) can forge a line or send a terminal control sequence. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copies len bytes of s to out (size bytes, NUL-terminated), each byte
 * outside 0x20-0x7e as "\xNN"; stops before an escape or byte that would
 * not fit.  Returns the length written. */
size_t log_escape(char *out, size_t size, const char *s, size_t len);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Token bucket for lines a peer can trigger at will (malformed packets):
 * at most `burst` lines, refilled at `per_s` lines per second. */
struct log_ratelimit {
        double tokens;
        int64_t last_ms;
        uint32_t suppressed;
};

/* Returns true when a line may be written now.  *ret_suppressed receives the
 * number of lines dropped since the last allowed one (to report them). */
bool log_ratelimit_ok(struct log_ratelimit *rl, int64_t now_ms, double per_s, double burst,
                      uint32_t *ret_suppressed);
