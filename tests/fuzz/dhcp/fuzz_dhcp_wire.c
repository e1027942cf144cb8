/* libFuzzer target: the DHCP codec.  Decodes arbitrary bytes, checks the
 * decoded invariants, and encodes a reply echoing what was decoded. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dhcp/dhcp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dhcp_packet pkt;
static struct dhcp_out out;
static uint8_t wire[1500];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *why = NULL;
        if (dhcp_wire_decode(data, size, &pkt, &why) < 0) {
                assert(why);
                return 0;
        }
        assert(pkt.hlen <= 16);
        assert(pkt.n_instances <= DHCP_MAX_OPTIONS);
        size_t total = 0;
        for (unsigned code = 0; code < 256; code++) {
                size_t len;
                const uint8_t *v = dhcp_pkt_opt(&pkt, (uint8_t)code, &len);
                if (!v)
                        continue;
                assert(dhcp_option_len_ok((uint8_t)code, len));
                assert(v + len <= pkt.data + sizeof(pkt.data));
                total += len;
        }
        assert(total <= size);
        (void)dhcp_wire_check_request(&pkt, &why);

        /* Echo every option back: exercises RFC 3396 splitting. */
        dhcp_out_reply(&out, &pkt, DHCP_ACK);
        for (unsigned code = 1; code < 255; code++) {
                size_t len;
                const uint8_t *v = dhcp_pkt_opt(&pkt, (uint8_t)code, &len);
                if (v && code != DHCP_OPT_MSG_TYPE)
                        dhcp_out_add(&out, (uint8_t)code, v, len);
        }
        int n = dhcp_wire_encode(&out, wire, sizeof(wire));
        if (n > 0) {
                static struct dhcp_packet back;
                int r = dhcp_wire_decode(wire, (size_t)n, &back, &why);
                /* Too many instances after splitting is the only way out. */
                assert(r == 0 || r == -E2BIG);
                if (r == 0)
                        assert(back.msg_type == DHCP_ACK && back.xid == pkt.xid);
        }
        return 0;
}
