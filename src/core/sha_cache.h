/* SHA-256 digests of files, remembered per file version so that a listing
 * of the images root never hashes a file twice: the key is (device, inode)
 * and an entry counts only while the file's size and mtime are what they
 * were when it was hashed (a rewrite or an atomic replace changes one of
 * them, or the inode).  Fixed size, direct-mapped: a colliding file evicts
 * the older entry (it is hashed again when asked).  Thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define SHA_CACHE_LEN 32

struct sha_cache;

/* slots: a power of two (rounded up); 0 or -ENOMEM. */
int sha_cache_new(size_t slots, struct sha_cache **ret);
void sha_cache_free(struct sha_cache *c);

/* true with the digest when this version of the file (st) was hashed. */
bool sha_cache_get(struct sha_cache *c, const struct stat *st, uint8_t out[SHA_CACHE_LEN]);
void sha_cache_put(struct sha_cache *c, const struct stat *st, const uint8_t sha[SHA_CACHE_LEN]);
