#include "CResolv.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

int CResolv_queryA(const char *server_ip, int server_port, const char *name, char (*out)[16], int max_addresses, int *h_error) {
    struct in_addr server;
    if (inet_pton(AF_INET, server_ip, &server) != 1 || server_port <= 0 || server_port > 65535) return -1;
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) return -2;
    // Only the given server: no search domains, a short timeout, two tries.
    state.nscount = 1;
    state.nsaddr_list[0].sin_family = AF_INET;
    state.nsaddr_list[0].sin_addr = server;
    state.nsaddr_list[0].sin_port = htons((uint16_t)server_port);
    for (int i = 0; i < MAXNS; i++) state._u._ext.nsaddrs[i] = NULL;
    state.retrans = 1;
    state.retry = 2;
    state.options &= ~(RES_DNSRCH | RES_DEFNAMES);

    unsigned char answer[4096];
    int length = res_nquery(&state, name, ns_c_in, ns_t_a, answer, sizeof answer);
    if (length < 0) {
        if (h_error) *h_error = state.res_h_errno;
        res_nclose(&state);
        return -3;
    }
    ns_msg message;
    if (ns_initparse(answer, length, &message) != 0) {
        res_nclose(&state);
        return -4;
    }
    int count = 0;
    int records = ns_msg_count(message, ns_s_an);
    for (int i = 0; i < records && count < max_addresses; i++) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, i, &record) != 0) continue;
        if (ns_rr_type(record) != ns_t_a || ns_rr_rdlen(record) != 4) continue;
        if (inet_ntop(AF_INET, ns_rr_rdata(record), out[count], 16) != NULL) count++;
    }
    res_nclose(&state);
    return count;
}
