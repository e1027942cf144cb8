/* The route table: what each URL path is served by. */
#include "http/routes.h"

#include <stddef.h>

const struct http_route http_routes[] = {
    {"/boot.ipxe", HTTP_GET | HTTP_HEAD, false, "boot_chain", routes_boot_chain},
    {"/boot/", HTTP_GET | HTTP_HEAD, false, "boot_script", routes_boot_mac},
    {"/grub/", HTTP_GET | HTTP_HEAD, false, "grub", routes_boot_grub},
    {"/images/", HTTP_GET | HTTP_HEAD, false, "images", routes_images},
    {"/api/", HTTP_ALL, true, "api", routes_api, routes_api_early},
    {"/metrics", HTTP_GET | HTTP_HEAD, false, "metrics", routes_metrics},
    {"/ui/", HTTP_GET | HTTP_HEAD, false, "ui", routes_ui},
    /* "/" is the UI's index page; any other name is a first-stage binary
     * for UEFI HTTP Boot (http://server/ipxe.efi) or 404. */
    {"/", HTTP_GET | HTTP_HEAD, false, "bootfile", routes_root},
    {NULL, 0, false, NULL, NULL},
};
