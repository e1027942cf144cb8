/* libFuzzer target: mac_parse() on arbitrary bytes.
 *
 * Properties: never reads outside [data, data+size); on success the
 * canonical form re-parses to the same MAC (parse(format(x)) == x), as do
 * the hyphen and bare spellings; on failure the output is untouched. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mac.h"

static void check_round_trip(const struct mac *m)
{
        char canon[MAC_STR_LEN], hyph[MAC_STR_LEN], bare[13];
        struct mac back;
        mac_format(m, canon);
        assert(strlen(canon) == 17);
        for (int i = 0; i < 17; i++)
                assert(i % 3 == 2 ? canon[i] == ':'
                                  : (canon[i] >= '0' && canon[i] <= '9') ||
                                        (canon[i] >= 'a' && canon[i] <= 'f'));
        assert(mac_parse_str(canon, &back) == 0 && mac_equal(&back, m));
        mac_format_hyphen(m, hyph);
        assert(mac_parse_str(hyph, &back) == 0 && mac_equal(&back, m));
        for (int i = 0; i < MAC_LEN; i++)
                memcpy(bare + 2 * i, canon + 3 * i, 2);
        bare[12] = '\0';
        assert(mac_parse_str(bare, &back) == 0 && mac_equal(&back, m));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* An exact-size heap copy, so ASan sees any read past the end. */
        char *s = malloc(size ? size : 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        struct mac m;
        memset(&m, 0xa5, sizeof(m));
        int r = mac_parse(s, size, &m);
        if (r == 0) {
                /* Only the documented spellings are accepted. */
                assert(size >= 11 && size <= 17);
                check_round_trip(&m);
                /* Accepted input in other case parses to the same MAC. */
                for (size_t i = 0; i < size; i++)
                        if (s[i] >= 'a' && s[i] <= 'f')
                                s[i] = (char)(s[i] - 'a' + 'A');
                struct mac up;
                assert(mac_parse(s, size, &up) == 0 && mac_equal(&up, &m));
        } else {
                assert(r < 0);
                for (int i = 0; i < MAC_LEN; i++)
                        assert(m.b[i] == 0xa5);
        }
        /* Any six bytes survive format -> parse. */
        if (size >= MAC_LEN) {
                struct mac any;
                memcpy(any.b, data, MAC_LEN);
                check_round_trip(&any);
        }
        free(s);
        return 0;
}
