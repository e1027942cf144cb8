/* Dropping root after the privileged sockets are open (style: open, then
 * drop).  The systemd unit in packaging/ achieves the same with DynamicUser
 * and ambient capabilities; this is for running bootherd as root by hand. */
#pragma once

/* When running as root and `user` is non-empty: hands the state files
 * (`paths`, NULL-terminated; missing ones skipped) to that user, then
 * switches to its uid/gid with supplementary groups and sets
 * PR_SET_NO_NEW_PRIVS.  No-op when user is empty or we are not root.
 * Negative errno on failure (the caller must not continue as root). */
int privdrop(const char *user, const char *const *paths);
