/* The route table: what each URL path is served by. */
#include "http/routes.h"

#include <stddef.h>

const struct http_route http_routes[] = {
    {"/boot.ipxe", HTTP_GET | HTTP_HEAD, false, "boot_chain", routes_boot_chain},
    {"/boot/", HTTP_GET | HTTP_HEAD, false, "boot_script", routes_boot_mac},
    {"/images/", HTTP_GET | HTTP_HEAD, false, "images", routes_images},
    /* First-stage binaries for UEFI HTTP Boot (http://server/ipxe.efi). */
    {"/", HTTP_GET | HTTP_HEAD, false, "bootfile", routes_bootfile},
    {NULL, 0, false, NULL, NULL},
};
