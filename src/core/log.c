/* Logging to stderr; see log.h. */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int current_level = LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
        atomic_store(&current_level, (int)level);
}

enum log_level log_get_level(void)
{
        return (enum log_level)atomic_load(&current_level);
}

int log_level_parse(const char *s, enum log_level *ret)
{
        for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
                if (strcmp(s, level_names[i]) == 0) {
                        *ret = (enum log_level)i;
                        return 0;
                }
        }
        return -EINVAL;
}

static bool log_byte_plain(unsigned char c)
{
        return c >= 0x20 && c < 0x7f;
}

size_t log_escape(char *out, size_t size, const char *s, size_t len)
{
        static const char hex[] = "0123456789abcdef";
        size_t w = 0;
        if (size == 0)
                return 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (log_byte_plain(c)) {
                        if (w + 1 >= size)
                                break;
                        out[w++] = (char)c;
                } else {
                        if (w + 4 >= size)
                                break;
                        out[w++] = '\\';
                        out[w++] = 'x';
                        out[w++] = hex[c >> 4];
                        out[w++] = hex[c & 15];
                }
        }
        out[w] = '\0';
        return w;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
        if ((int)level > atomic_load(&current_level))
                return;

        char line[LOG_LINE_MAX];
        char msg[LOG_LINE_MAX];
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec, ts.tv_nsec / 1000000, level_names[level]);
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        size_t mlen = m < 0 ? 0 : (size_t)m >= sizeof(msg) ? sizeof(msg) - 1 : (size_t)m;
        /* Peer-controlled strings (URLs, TFTP names, DHCP options) must
         * neither forge extra lines nor reach a terminal as control
         * sequences: every byte outside 0x20-0x7e is written as \xNN. */
        size_t len = (size_t)n + log_escape(line + n, sizeof(line) - (size_t)n - 1, msg, mlen);
        line[len++] = '\n';
        ssize_t w = write(STDERR_FILENO, line, len);
        (void)w;
}

bool log_ratelimit_ok(struct log_ratelimit *rl, int64_t now_ms, double per_s, double burst,
                      uint32_t *ret_suppressed)
{
        if (rl->last_ms == 0)
                rl->tokens = burst;
        else
                rl->tokens += (double)(now_ms - rl->last_ms) * per_s / 1000.0;
        if (rl->tokens > burst)
                rl->tokens = burst;
        rl->last_ms = now_ms;
        if (rl->tokens < 1.0) {
                rl->suppressed++;
                return false;
        }
        rl->tokens -= 1.0;
        if (ret_suppressed)
                *ret_suppressed = rl->suppressed;
        rl->suppressed = 0;
        return true;
}
