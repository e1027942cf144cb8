/* Lease lookup by address: which MAC holds an IPv4 address.
 *
 * TFTP and HTTP see only the peer's address; to record a boot stage against
 * a machine they map it back to the MAC through the DHCP lease table
 * (schema 1->2: lease.ip is the address in host byte order, lease.mac the
 * canonical MAC). */
#include "store/store_internal.h"

static const char SQL_LEASE_MAC[] =
    "SELECT mac FROM lease WHERE ip = ?1 AND state IN ('offered', 'bound')";

int store_lease_find_mac(struct store *s, uint32_t ip_host_order, struct mac *ret)
{
        struct store_stmt *st = store_prepare(s, SQL_LEASE_MAC);
        if (!st)
                return -EIO;
        store_bind_int64(st, 1, ip_host_order);
        int rc = store_step(st);
        int r;
        struct mac m;
        const char *mac;
        if (rc == STORE_DONE)
                r = store_fail(s, -ENOENT, "ip", "no active lease for this address");
        else if (rc != STORE_ROW)
                r = store_db_fail(s, "lease lookup");
        else if (!(mac = store_col_text(st, 0)) || mac_parse_str(mac, &m) < 0)
                r = store_fail(s, -EIO, "mac", "lease has an invalid MAC");
        else
                r = 0;
        /* Do not keep a read snapshot open on the loop's connection. */
        store_reset(st);
        if (r == 0)
                *ret = m;
        return r;
}
