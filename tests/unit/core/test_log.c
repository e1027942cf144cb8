/* Log escaping (src/core/log.c): every byte outside printable ASCII that a
 * peer can put into a log line (ESC, DEL, other control characters, bytes
 * >= 0x80, CR/LF) is written as \xNN, so no line can be forged and no
 * terminal control sequence reaches whoever reads the log. */
#include "../test_util.h"

#include <fcntl.h>

#include "core/log.h"

static void test_escape_bytes(void **state)
{
        (void)state;
        char out[128];
        const char in[] = "a\x1b[31mb\x7f\xff\x80\r\n\t\x01 ~";
        size_t n = log_escape(out, sizeof(out), in, sizeof(in) - 1);
        assert_string_equal(out, "a\\x1b[31mb\\x7f\\xff\\x80\\x0d\\x0a\\x09\\x01 ~");
        assert_int_equal(n, strlen(out));
        /* A NUL inside the given length is escaped too. */
        n = log_escape(out, sizeof(out), "x\0y", 3);
        assert_string_equal(out, "x\\x00y");
        /* Printable ASCII, backslash included, is kept as is. */
        n = log_escape(out, sizeof(out), "GET /a\\b?c=%1b", 14);
        assert_string_equal(out, "GET /a\\b?c=%1b");
}

static void test_escape_truncates_whole_escapes(void **state)
{
        (void)state;
        char out[8];
        /* "ab" fits, "\x1b" (4 bytes) does not fit in the 5 left with the NUL. */
        size_t n = log_escape(out, 6, "ab\x1b", 3);
        assert_string_equal(out, "ab");
        assert_int_equal(n, 2);
        n = log_escape(out, sizeof(out), "abcdefghij", 10);
        assert_int_equal(n, 7);
        assert_string_equal(out, "abcdefg");
        assert_int_equal(log_escape(out, 0, "a", 1), 0);
}

/* log_msg() through a file in place of stderr: one line, no raw byte
 * outside printable ASCII but its final newline. */
static void test_log_line_has_no_raw_control(void **state)
{
        (void)state;
        char path[] = "/tmp/bootherd-test-log-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        int saved = dup(STDERR_FILENO);
        assert_true(dup2(fd, STDERR_FILENO) >= 0);
        log_warn("tftp: peer 198.18.0.9 file %s not found",
                 "x\x1b]0;owned\x07\x1b[2J\x7f\xc3\xa9\nFAKE error line");
        char big[LOG_LINE_MAX * 2];
        memset(big, '\x1b', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        log_warn("http: %s", big);
        dup2(saved, STDERR_FILENO);
        close(saved);
        char buf[LOG_LINE_MAX * 4];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        unlink(path);
        assert_true(n > 0);
        buf[n] = '\0';
        size_t lines = 0;
        for (ssize_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)buf[i];
                if (c == '\n')
                        lines++;
                else
                        assert_true(c >= 0x20 && c < 0x7f);
        }
        assert_int_equal(lines, 2);
        assert_non_null(strstr(buf,
                               "file x\\x1b]0;owned\\x07\\x1b[2J\\x7f\\xc3\\xa9\\x0aFAKE error "
                               "line not found\n"));
        /* The long line is cut to LOG_LINE_MAX, newline included. */
        char *second = strchr(buf, '\n') + 1;
        assert_true(strlen(second) <= LOG_LINE_MAX);
        assert_int_equal(second[strlen(second) - 1], '\n');
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_escape_bytes),
            cmocka_unit_test(test_escape_truncates_whole_escapes),
            cmocka_unit_test(test_log_line_has_no_raw_control),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
