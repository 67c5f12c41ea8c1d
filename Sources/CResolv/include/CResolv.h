#ifndef CRESOLV_H
#define CRESOLV_H

/// Asks the DNS server at `server_ip`:`server_port` (an IPv4 literal) for the A records of
/// `name`, with glibc's stub resolver (libresolv: res_nquery, ns_parserr). Writes up to
/// `max_addresses` dotted-quad addresses into `out` (16 bytes each, NUL-terminated).
/// Returns how many were written (0: the name exists but has no A record), or a negative
/// value: -1 bad server address, -2 the resolver could not be set up, -3 no answer (the name
/// does not exist, or the server did not respond; `*h_error` holds h_errno), -4 a malformed
/// answer.
int CResolv_queryA(const char *server_ip, int server_port, const char *name, char (*out)[16], int max_addresses, int *h_error);

#endif
