/* The store as a boot inventory (boot_inventory.h): every question is one
 * store read on the given connection; begin()/end() wrap them in one read
 * snapshot (store_read_begin), and end() leaves the connection idle, so a
 * connection shared with writers (the event loop's) never keeps a stale
 * snapshot.  One per connection and thread, like the connection itself. */
#pragma once

#include <stdbool.h>

#include "boot/boot_inventory.h"
#include "store/store.h"

struct boot_inventory_store {
        struct store *s;
        struct machine m; /* the borrowed records, while have_* */
        struct image img;
        bool have_m, have_img;
        bool snapshot; /* inside begin()/end() */
};

/* Binds bis to s and fills *ret with the interface; bis must outlive it.
 * s NULL: an inventory that knows no machine and no image (tests, and a
 * TFTP server started without a store). */
void boot_inventory_store_init(struct boot_inventory_store *bis, struct store *s,
                               struct boot_inventory *ret);
