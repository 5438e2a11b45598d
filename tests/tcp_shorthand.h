/* tcp_shorthand.h — how the TCP tests write segments: control bits by
 * letter, and ISS for the initial sequence number of the connection under
 * test, kept in a struct th named `h`. */
#ifndef TCPSIM_TCP_SHORTHAND_H
#define TCPSIM_TCP_SHORTHAND_H

#include "models/tcp.h"

#define ISS (h.iss)
#define A TCP_ACK
#define S TCP_SYN
#define F TCP_FIN
#define R TCP_RST
#define P TCP_PSH

#endif
