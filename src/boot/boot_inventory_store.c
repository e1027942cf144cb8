/* The store-backed boot inventory; see boot_inventory_store.h. */
#include "boot/boot_inventory_store.h"

#include <errno.h>

static void drop_machine(struct boot_inventory_store *bis)
{
        if (bis->have_m)
                machine_done(&bis->m);
        bis->have_m = false;
}

static void drop_image(struct boot_inventory_store *bis)
{
        if (bis->have_img)
                image_done(&bis->img);
        bis->have_img = false;
}

static int get_machine(void *ctx, const struct mac *mac, const struct machine **ret)
{
        struct boot_inventory_store *bis = ctx;
        drop_machine(bis);
        if (!bis->s)
                return -ENOENT;
        int r = store_machine_get(bis->s, mac, &bis->m);
        if (r < 0)
                return r;
        bis->have_m = true;
        *ret = &bis->m;
        return 0;
}

static int get_image(void *ctx, const char *name, const struct image **ret)
{
        struct boot_inventory_store *bis = ctx;
        drop_image(bis);
        if (!bis->s)
                return -ENOENT;
        int r = store_image_get(bis->s, name, &bis->img);
        if (r < 0)
                return r;
        bis->have_img = true;
        *ret = &bis->img;
        return 0;
}

static int get_reservation(void *ctx, uint32_t ip, struct mac *ret_owner)
{
        struct boot_inventory_store *bis = ctx;
        if (!bis->s)
                return -ENOENT;
        return store_lease_reservation(bis->s, ip, ret_owner);
}

static int get_generation(void *ctx, int64_t *ret)
{
        struct boot_inventory_store *bis = ctx;
        if (!bis->s)
                return -EOPNOTSUPP;
        return store_script_generation(bis->s, ret);
}

static void begin(void *ctx)
{
        struct boot_inventory_store *bis = ctx;
        /* Without a snapshot the reads simply run one transaction each. */
        bis->snapshot = bis->s && store_read_begin(bis->s) == 0;
}

static void end(void *ctx)
{
        struct boot_inventory_store *bis = ctx;
        drop_machine(bis);
        drop_image(bis);
        if (bis->snapshot)
                store_read_end(bis->s);
        else if (bis->s)
                store_idle(bis->s);
        bis->snapshot = false;
}

static const char *errmsg(void *ctx)
{
        struct boot_inventory_store *bis = ctx;
        return bis->s ? store_errmsg(bis->s) : "no inventory";
}

static const struct boot_inventory_ops store_ops = {
    .machine = get_machine,
    .image = get_image,
    .reservation = get_reservation,
    .generation = get_generation,
    .begin = begin,
    .end = end,
    .errmsg = errmsg,
};

void boot_inventory_store_init(struct boot_inventory_store *bis, struct store *s,
                               struct boot_inventory *ret)
{
        *bis = (struct boot_inventory_store){.s = s};
        *ret = (struct boot_inventory){.ops = &store_ops, .ctx = bis};
}
