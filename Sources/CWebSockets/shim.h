// libwebsockets (Debian's libwebsockets-dev 4.1): HTTP/1.1 with keep-alive, HTTP/2 and
// WebSocket for the gateway. Only Sources/GatewayService/HTTP touches it.
#include <libwebsockets.h>

// Macros Swift cannot import (computed or 64-bit shifted), as functions.

/// The headroom lws_write needs before the bytes it sends.
static inline size_t CWebSockets_pre(void) { return LWS_PRE; }

/// Context options: vhosts are created one by one (one per listening port).
static inline uint64_t CWebSockets_context_options(void) {
    return LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DISABLE_IPV6;
}

/// Vhost options: validated UTF-8 in WebSocket text frames; with `prior_knowledge`, every
/// connection speaks HTTP/2 from its first byte (h2c with prior knowledge). Without it the
/// port speaks HTTP/1.1 and upgrades to h2c on request.
static inline uint64_t CWebSockets_vhost_options(int prior_knowledge) {
    uint64_t options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
    if (prior_knowledge) options |= LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE;
    return options;
}
