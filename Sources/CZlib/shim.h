#ifndef FEDERATIONBRIDGE_CZLIB_SHIM_H
#define FEDERATIONBRIDGE_CZLIB_SHIM_H
// zlib does raw DEFLATE for the SAML HTTP-Redirect binding.
#include <zlib.h>

// deflateInit2/inflateInit2 are macros over the _ functions; Swift cannot
// call macros, so they are wrapped here.
static inline int fb_inflate_init_raw(z_streamp stream) {
    return inflateInit2(stream, -MAX_WBITS);
}
static inline int fb_deflate_init_raw(z_streamp stream) {
    return deflateInit2(stream, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
}
#endif
