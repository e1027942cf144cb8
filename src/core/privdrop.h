/* Dropping root after the privileged sockets are open (style: bind, then
 * drop, then start threads and serve).  The systemd unit in packaging/
 * achieves the same with a dedicated user and ambient capabilities; this is
 * for running bootherd as root by hand, and it never serves as uid 0. */
#pragma once

#include <stdint.h>

/* The system user `bootherd serve` switches to when started as root
 * without [server] user (packaging/sysusers.d/bootherd.conf creates it). */
#define PRIVDROP_DEFAULT_USER "bootherd"

/* Sets PR_SET_NO_NEW_PRIVS on the calling thread; call it before the
 * first thread starts so that every thread inherits it.  Negative errno. */
int privdrop_no_new_privs(void);

/* Which user to become.  Not running as root: *ret = NULL (nothing to
 * drop), 0.  As root: `user` if non-empty, else PRIVDROP_DEFAULT_USER when
 * that user exists.  -EPERM when there is none or it is uid 0, with *why
 * set to a one-line reason. */
int privdrop_choose(const char *user, const char **ret, const char **why);

/* Hands the state files (`paths`, NULL-terminated; missing ones skipped) to
 * `user`, then switches to its uid/gid with its supplementary groups,
 * keeping only the capabilities in `keep_caps` (a mask of 1 << CAP_*, e.g.
 * CAP_NET_ADMIN for DHCP's ARP entries) in the permitted and effective sets,
 * and sets PR_SET_NO_NEW_PRIVS.  Call it before any thread starts: the
 * capabilities are per thread.  user NULL: no-op.  Negative errno on failure
 * (the caller must not continue). */
int privdrop(const char *user, const char *const *paths, uint64_t keep_caps);
