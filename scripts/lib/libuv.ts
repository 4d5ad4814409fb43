/**
 * What libuv, Node's I/O layer, does with a stream socket that the scripts' figures depend on.
 */

/**
 * libuv asks read() for at most 64 KiB at a time (uv__read() in src/unix/stream.c asks its
 * allocator for 64 * 1024 bytes), so no `data` chunk of a TCP socket is larger.
 */
export const READ_SIZE_BYTES = 64 * 1024;
