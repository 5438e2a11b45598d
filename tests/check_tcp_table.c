/* check_tcp_table.c — every state against every kind of incoming segment.
 *
 * RFC 9293 §3.10.7 decides what a segment does from the state it meets
 * and the order of its checks: sequence number, RST, SYN (with RFC 5961's
 * challenge ACK), ACK, text, FIN. This file writes that down as one table:
 * for each of the 11 states, each of SYN, SYN+ACK, ACK, FIN, FIN+ACK,
 * RST, RST+ACK and data, sent in the window and out of it, the state the
 * connection is left in and exactly the segments it answers with.
 *
 * "In the window" means SEG.SEQ = RCV.NXT, with SEG.ACK = SND.NXT when
 * the ACK bit is on (so an ACK acknowledges everything sent, our FIN
 * included). "Out of the window" means SEG.SEQ = RCV.NXT + RCV.WND + 100.
 * In SYN-SENT, where nothing is received yet, the window is the ACK's:
 * SEG.ACK = ISS+1 is acceptable, ISS+1000 is not. CLOSED (no connection)
 * and LISTEN have no window; both columns must behave the same there.
 *
 * The answers are written with the RFC's names: ACK <SND.NXT, RCV.NXT> is
 * the acknowledgment of the first check and RFC 5961's challenge ACK; RST
 * <SEG.ACK> and RST,ACK <0, SEG.SEQ+SEG.LEN> answer segments that belong
 * to no connection. SND.NXT and RCV.NXT are the values before the segment.
 *
 * Each answer is checked in every field: ports (from the port the segment
 * came to, back to the peer's), window and MSS option too. A RST offers no
 * window; anything else the whole receive buffer (WIN), as nothing has
 * been received but SYNs and FINs, which take no room — except after ten
 * bytes of data, read at once, which are no worthwhile step for the right
 * edge of the window (RFC 1122 §4.2.3.3): WIN less those ten. A SYN,ACK
 * announces our MSS.
 */
#include <stdio.h>
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"

#include "tcp_shorthand.h"

#define DATA_LEN 10

enum kind { K_SYN, K_SYNACK, K_ACK, K_FIN, K_FINACK, K_RST, K_RSTACK, K_DATA };

static const struct {
	const char *name;
	uint8_t flags;
	uint32_t len;
} kinds[] = {
	[K_SYN] = {"SYN", S, 0},        [K_SYNACK] = {"SYN,ACK", S | A, 0},
	[K_ACK] = {"ACK", A, 0},        [K_FIN] = {"FIN", F, 0},
	[K_FINACK] = {"FIN,ACK", F | A, 0}, [K_RST] = {"RST", R, 0},
	[K_RSTACK] = {"RST,ACK", R | A, 0}, [K_DATA] = {"data", P | A, DATA_LEN},
};


/* What a field of an answer is made of. */
enum base { B_SND_NXT, B_RCV_NXT, B_ISS, B_ZERO, B_SEG_ACK, B_SEG_END,
	    B_CHILD_ISS };

/* The answers. */
enum answer {
	NONE,
	ACK,         /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
	ACK_FIN,     /* the same, acknowledging a FIN: ACK=RCV.NXT+1 */
	ACK_SYN,     /* SYN-SENT: <SEQ=ISS+1><ACK=SEG.SEQ+1><CTL=ACK> */
	DELACK_DATA, /* after the delayed-ACK timer: ACK=RCV.NXT+10 */
	RST_AT_ACK,  /* <SEQ=SEG.ACK><CTL=RST> */
	RST_ACK,     /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	SYN_ACK,     /* <SEQ=ISS><ACK=SEG.SEQ+1><CTL=SYN,ACK> */
	CHILD_SYN_ACK, /* the same from a new connection */
};

struct answer_spec {
	uint8_t flags;
	enum base seq;
	int32_t seq_off;
	enum base ack;
	int32_t ack_off;
	bool delayed;
	uint16_t win;
	uint16_t mss;
};

#define MSS 1460

static const struct answer_spec answers[] = {
	[NONE] = {0, B_ZERO, 0, B_ZERO, 0, false, 0, 0},
	[ACK] = {A, B_SND_NXT, 0, B_RCV_NXT, 0, false, WIN, 0},
	[ACK_FIN] = {A, B_SND_NXT, 0, B_RCV_NXT, 1, false, WIN, 0},
	[ACK_SYN] = {A, B_SND_NXT, 0, B_SEG_END, 0, false, WIN, 0},
	[DELACK_DATA] = {A, B_SND_NXT, 0, B_RCV_NXT, DATA_LEN, true,
			 WIN - DATA_LEN, 0},
	[RST_AT_ACK] = {R, B_SEG_ACK, 0, B_ZERO, 0, false, 0, 0},
	[RST_ACK] = {R | A, B_ZERO, 0, B_SEG_END, 0, false, 0, 0},
	[SYN_ACK] = {S | A, B_ISS, 0, B_SEG_END, 0, false, WIN, MSS},
	[CHILD_SYN_ACK] = {S | A, B_CHILD_ISS, 0, B_SEG_END, 0, false, WIN,
			   MSS},
};

/* Where the connection is afterwards: a state, or one of these. */
#define GONE (-1)      /* deleted (CLOSED) */
#define NO_TCB (-2)    /* there never was one (the CLOSED row) */
#define CHILD (-3)     /* LISTEN stays, a new SYN-RECEIVED child appears */

#define SILENT (-1)   /* gone without a word to the application */

struct cell {
	int state;
	enum kind kind;
	bool out;           /* out of the window */
	int next;
	enum answer answer;
	int end;            /* for GONE: how the application hears it ended */
};

#define IN false
#define OUT true
#define T(st) TCP_##st

/* Both columns alike (CLOSED, LISTEN, and segments whose window the RFC
 * never looks at in that state). */
#define BOTH(st, k, nx, an, e) {st, k, IN, nx, an, e}, {st, k, OUT, nx, an, e}

static const struct cell cells[] = {
	/* CLOSED: "If the state is CLOSED (i.e., TCB does not exist)" —
	 * everything but a RST is answered with a RST. */
	BOTH(T(CLOSED), K_SYN, NO_TCB, RST_ACK, 0),
	BOTH(T(CLOSED), K_SYNACK, NO_TCB, RST_AT_ACK, 0),
	BOTH(T(CLOSED), K_ACK, NO_TCB, RST_AT_ACK, 0),
	BOTH(T(CLOSED), K_FIN, NO_TCB, RST_ACK, 0),
	BOTH(T(CLOSED), K_FINACK, NO_TCB, RST_AT_ACK, 0),
	BOTH(T(CLOSED), K_RST, NO_TCB, NONE, 0),
	BOTH(T(CLOSED), K_RSTACK, NO_TCB, NONE, 0),
	BOTH(T(CLOSED), K_DATA, NO_TCB, RST_AT_ACK, 0),

	/* LISTEN: first RST (ignore), second ACK (RST), third SYN (a new
	 * connection), fourth anything else (drop). */
	BOTH(T(LISTEN), K_SYN, CHILD, CHILD_SYN_ACK, 0),
	BOTH(T(LISTEN), K_SYNACK, T(LISTEN), RST_AT_ACK, 0),
	BOTH(T(LISTEN), K_ACK, T(LISTEN), RST_AT_ACK, 0),
	BOTH(T(LISTEN), K_FIN, T(LISTEN), NONE, 0),
	BOTH(T(LISTEN), K_FINACK, T(LISTEN), RST_AT_ACK, 0),
	BOTH(T(LISTEN), K_RST, T(LISTEN), NONE, 0),
	BOTH(T(LISTEN), K_RSTACK, T(LISTEN), NONE, 0),
	BOTH(T(LISTEN), K_DATA, T(LISTEN), RST_AT_ACK, 0),

	/* SYN-SENT: first the ACK (unacceptable: RST unless RST), second
	 * RST (only with an acceptable ACK), fourth SYN, fifth drop. */
	BOTH(T(SYN_SENT), K_SYN, T(SYN_RECEIVED), SYN_ACK, 0),
	{T(SYN_SENT), K_SYNACK, IN, T(ESTABLISHED), ACK_SYN, 0},
	{T(SYN_SENT), K_SYNACK, OUT, T(SYN_SENT), RST_AT_ACK, 0},
	{T(SYN_SENT), K_ACK, IN, T(SYN_SENT), NONE, 0},
	{T(SYN_SENT), K_ACK, OUT, T(SYN_SENT), RST_AT_ACK, 0},
	BOTH(T(SYN_SENT), K_FIN, T(SYN_SENT), NONE, 0),
	{T(SYN_SENT), K_FINACK, IN, T(SYN_SENT), NONE, 0},
	{T(SYN_SENT), K_FINACK, OUT, T(SYN_SENT), RST_AT_ACK, 0},
	BOTH(T(SYN_SENT), K_RST, T(SYN_SENT), NONE, 0),
	{T(SYN_SENT), K_RSTACK, IN, GONE, NONE, TCP_END_REFUSED},
	{T(SYN_SENT), K_RSTACK, OUT, T(SYN_SENT), NONE, 0},
	{T(SYN_SENT), K_DATA, IN, T(SYN_SENT), NONE, 0},
	{T(SYN_SENT), K_DATA, OUT, T(SYN_SENT), RST_AT_ACK, 0},

	/* SYN-RECEIVED (from a passive OPEN): an exact RST, or a SYN in
	 * the window (fourth check), sends it back to LISTEN — the
	 * application never heard of it; the ACK of our SYN establishes it.
	 * A SYN outside the window fails the first check: challenge ACK. */
	{T(SYN_RECEIVED), K_SYN, IN, GONE, NONE, SILENT},
	{T(SYN_RECEIVED), K_SYN, OUT, T(SYN_RECEIVED), ACK, 0},
	{T(SYN_RECEIVED), K_SYNACK, IN, GONE, NONE, SILENT},
	{T(SYN_RECEIVED), K_SYNACK, OUT, T(SYN_RECEIVED), ACK, 0},
	{T(SYN_RECEIVED), K_ACK, IN, T(ESTABLISHED), NONE, 0},
	{T(SYN_RECEIVED), K_ACK, OUT, T(SYN_RECEIVED), ACK, 0},
	{T(SYN_RECEIVED), K_FIN, IN, T(SYN_RECEIVED), NONE, 0},
	{T(SYN_RECEIVED), K_FIN, OUT, T(SYN_RECEIVED), ACK, 0},
	{T(SYN_RECEIVED), K_FINACK, IN, T(CLOSE_WAIT), ACK_FIN, 0},
	{T(SYN_RECEIVED), K_FINACK, OUT, T(SYN_RECEIVED), ACK, 0},
	{T(SYN_RECEIVED), K_RST, IN, GONE, NONE, SILENT},
	{T(SYN_RECEIVED), K_RST, OUT, T(SYN_RECEIVED), NONE, 0},
	{T(SYN_RECEIVED), K_RSTACK, IN, GONE, NONE, SILENT},
	{T(SYN_RECEIVED), K_RSTACK, OUT, T(SYN_RECEIVED), NONE, 0},
	{T(SYN_RECEIVED), K_DATA, IN, T(ESTABLISHED), DELACK_DATA, 0},
	{T(SYN_RECEIVED), K_DATA, OUT, T(SYN_RECEIVED), ACK, 0},

	/* ESTABLISHED */
	{T(ESTABLISHED), K_SYN, IN, T(ESTABLISHED), ACK, 0},
	{T(ESTABLISHED), K_SYN, OUT, T(ESTABLISHED), ACK, 0},
	{T(ESTABLISHED), K_SYNACK, IN, T(ESTABLISHED), ACK, 0},
	{T(ESTABLISHED), K_SYNACK, OUT, T(ESTABLISHED), ACK, 0},
	{T(ESTABLISHED), K_ACK, IN, T(ESTABLISHED), NONE, 0},
	{T(ESTABLISHED), K_ACK, OUT, T(ESTABLISHED), ACK, 0},
	{T(ESTABLISHED), K_FIN, IN, T(ESTABLISHED), NONE, 0},
	{T(ESTABLISHED), K_FIN, OUT, T(ESTABLISHED), ACK, 0},
	{T(ESTABLISHED), K_FINACK, IN, T(CLOSE_WAIT), ACK_FIN, 0},
	{T(ESTABLISHED), K_FINACK, OUT, T(ESTABLISHED), ACK, 0},
	{T(ESTABLISHED), K_RST, IN, GONE, NONE, TCP_END_RESET},
	{T(ESTABLISHED), K_RST, OUT, T(ESTABLISHED), NONE, 0},
	{T(ESTABLISHED), K_RSTACK, IN, GONE, NONE, TCP_END_RESET},
	{T(ESTABLISHED), K_RSTACK, OUT, T(ESTABLISHED), NONE, 0},
	{T(ESTABLISHED), K_DATA, IN, T(ESTABLISHED), DELACK_DATA, 0},
	{T(ESTABLISHED), K_DATA, OUT, T(ESTABLISHED), ACK, 0},

	/* FIN-WAIT-1: an ACK of everything acknowledges our FIN. */
	{T(FIN_WAIT_1), K_SYN, IN, T(FIN_WAIT_1), ACK, 0},
	{T(FIN_WAIT_1), K_SYN, OUT, T(FIN_WAIT_1), ACK, 0},
	{T(FIN_WAIT_1), K_SYNACK, IN, T(FIN_WAIT_1), ACK, 0},
	{T(FIN_WAIT_1), K_SYNACK, OUT, T(FIN_WAIT_1), ACK, 0},
	{T(FIN_WAIT_1), K_ACK, IN, T(FIN_WAIT_2), NONE, 0},
	{T(FIN_WAIT_1), K_ACK, OUT, T(FIN_WAIT_1), ACK, 0},
	{T(FIN_WAIT_1), K_FIN, IN, T(FIN_WAIT_1), NONE, 0},
	{T(FIN_WAIT_1), K_FIN, OUT, T(FIN_WAIT_1), ACK, 0},
	{T(FIN_WAIT_1), K_FINACK, IN, T(TIME_WAIT), ACK_FIN, 0},
	{T(FIN_WAIT_1), K_FINACK, OUT, T(FIN_WAIT_1), ACK, 0},
	{T(FIN_WAIT_1), K_RST, IN, GONE, NONE, TCP_END_RESET},
	{T(FIN_WAIT_1), K_RST, OUT, T(FIN_WAIT_1), NONE, 0},
	{T(FIN_WAIT_1), K_RSTACK, IN, GONE, NONE, TCP_END_RESET},
	{T(FIN_WAIT_1), K_RSTACK, OUT, T(FIN_WAIT_1), NONE, 0},
	{T(FIN_WAIT_1), K_DATA, IN, T(FIN_WAIT_2), DELACK_DATA, 0},
	{T(FIN_WAIT_1), K_DATA, OUT, T(FIN_WAIT_1), ACK, 0},

	/* FIN-WAIT-2: still receiving. */
	{T(FIN_WAIT_2), K_SYN, IN, T(FIN_WAIT_2), ACK, 0},
	{T(FIN_WAIT_2), K_SYN, OUT, T(FIN_WAIT_2), ACK, 0},
	{T(FIN_WAIT_2), K_SYNACK, IN, T(FIN_WAIT_2), ACK, 0},
	{T(FIN_WAIT_2), K_SYNACK, OUT, T(FIN_WAIT_2), ACK, 0},
	{T(FIN_WAIT_2), K_ACK, IN, T(FIN_WAIT_2), NONE, 0},
	{T(FIN_WAIT_2), K_ACK, OUT, T(FIN_WAIT_2), ACK, 0},
	{T(FIN_WAIT_2), K_FIN, IN, T(FIN_WAIT_2), NONE, 0},
	{T(FIN_WAIT_2), K_FIN, OUT, T(FIN_WAIT_2), ACK, 0},
	{T(FIN_WAIT_2), K_FINACK, IN, T(TIME_WAIT), ACK_FIN, 0},
	{T(FIN_WAIT_2), K_FINACK, OUT, T(FIN_WAIT_2), ACK, 0},
	{T(FIN_WAIT_2), K_RST, IN, GONE, NONE, TCP_END_RESET},
	{T(FIN_WAIT_2), K_RST, OUT, T(FIN_WAIT_2), NONE, 0},
	{T(FIN_WAIT_2), K_RSTACK, IN, GONE, NONE, TCP_END_RESET},
	{T(FIN_WAIT_2), K_RSTACK, OUT, T(FIN_WAIT_2), NONE, 0},
	{T(FIN_WAIT_2), K_DATA, IN, T(FIN_WAIT_2), DELACK_DATA, 0},
	{T(FIN_WAIT_2), K_DATA, OUT, T(FIN_WAIT_2), ACK, 0},

	/* CLOSE-WAIT: the peer's FIN is in; text after it is ignored and a
	 * second FIN does not move RCV.NXT. */
	{T(CLOSE_WAIT), K_SYN, IN, T(CLOSE_WAIT), ACK, 0},
	{T(CLOSE_WAIT), K_SYN, OUT, T(CLOSE_WAIT), ACK, 0},
	{T(CLOSE_WAIT), K_SYNACK, IN, T(CLOSE_WAIT), ACK, 0},
	{T(CLOSE_WAIT), K_SYNACK, OUT, T(CLOSE_WAIT), ACK, 0},
	{T(CLOSE_WAIT), K_ACK, IN, T(CLOSE_WAIT), NONE, 0},
	{T(CLOSE_WAIT), K_ACK, OUT, T(CLOSE_WAIT), ACK, 0},
	{T(CLOSE_WAIT), K_FIN, IN, T(CLOSE_WAIT), NONE, 0},
	{T(CLOSE_WAIT), K_FIN, OUT, T(CLOSE_WAIT), ACK, 0},
	{T(CLOSE_WAIT), K_FINACK, IN, T(CLOSE_WAIT), ACK, 0},
	{T(CLOSE_WAIT), K_FINACK, OUT, T(CLOSE_WAIT), ACK, 0},
	{T(CLOSE_WAIT), K_RST, IN, GONE, NONE, TCP_END_RESET},
	{T(CLOSE_WAIT), K_RST, OUT, T(CLOSE_WAIT), NONE, 0},
	{T(CLOSE_WAIT), K_RSTACK, IN, GONE, NONE, TCP_END_RESET},
	{T(CLOSE_WAIT), K_RSTACK, OUT, T(CLOSE_WAIT), NONE, 0},
	{T(CLOSE_WAIT), K_DATA, IN, T(CLOSE_WAIT), NONE, 0},
	{T(CLOSE_WAIT), K_DATA, OUT, T(CLOSE_WAIT), ACK, 0},

	/* CLOSING: waiting for the ACK of our FIN. */
	{T(CLOSING), K_SYN, IN, T(CLOSING), ACK, 0},
	{T(CLOSING), K_SYN, OUT, T(CLOSING), ACK, 0},
	{T(CLOSING), K_SYNACK, IN, T(CLOSING), ACK, 0},
	{T(CLOSING), K_SYNACK, OUT, T(CLOSING), ACK, 0},
	{T(CLOSING), K_ACK, IN, T(TIME_WAIT), NONE, 0},
	{T(CLOSING), K_ACK, OUT, T(CLOSING), ACK, 0},
	{T(CLOSING), K_FIN, IN, T(CLOSING), NONE, 0},
	{T(CLOSING), K_FIN, OUT, T(CLOSING), ACK, 0},
	{T(CLOSING), K_FINACK, IN, T(TIME_WAIT), ACK, 0},
	{T(CLOSING), K_FINACK, OUT, T(CLOSING), ACK, 0},
	{T(CLOSING), K_RST, IN, GONE, NONE, TCP_END_RESET},
	{T(CLOSING), K_RST, OUT, T(CLOSING), NONE, 0},
	{T(CLOSING), K_RSTACK, IN, GONE, NONE, TCP_END_RESET},
	{T(CLOSING), K_RSTACK, OUT, T(CLOSING), NONE, 0},
	{T(CLOSING), K_DATA, IN, T(TIME_WAIT), NONE, 0},
	{T(CLOSING), K_DATA, OUT, T(CLOSING), ACK, 0},

	/* LAST-ACK: "The only thing that can arrive in this state is an
	 * acknowledgment of our FIN" — and with it the connection is gone,
	 * whatever else the segment carries. */
	{T(LAST_ACK), K_SYN, IN, T(LAST_ACK), ACK, 0},
	{T(LAST_ACK), K_SYN, OUT, T(LAST_ACK), ACK, 0},
	{T(LAST_ACK), K_SYNACK, IN, T(LAST_ACK), ACK, 0},
	{T(LAST_ACK), K_SYNACK, OUT, T(LAST_ACK), ACK, 0},
	{T(LAST_ACK), K_ACK, IN, GONE, NONE, TCP_END_NORMAL},
	{T(LAST_ACK), K_ACK, OUT, T(LAST_ACK), ACK, 0},
	{T(LAST_ACK), K_FIN, IN, T(LAST_ACK), NONE, 0},
	{T(LAST_ACK), K_FIN, OUT, T(LAST_ACK), ACK, 0},
	{T(LAST_ACK), K_FINACK, IN, GONE, NONE, TCP_END_NORMAL},
	{T(LAST_ACK), K_FINACK, OUT, T(LAST_ACK), ACK, 0},
	{T(LAST_ACK), K_RST, IN, GONE, NONE, TCP_END_RESET},
	{T(LAST_ACK), K_RST, OUT, T(LAST_ACK), NONE, 0},
	{T(LAST_ACK), K_RSTACK, IN, GONE, NONE, TCP_END_RESET},
	{T(LAST_ACK), K_RSTACK, OUT, T(LAST_ACK), NONE, 0},
	{T(LAST_ACK), K_DATA, IN, GONE, NONE, TCP_END_NORMAL},
	{T(LAST_ACK), K_DATA, OUT, T(LAST_ACK), ACK, 0},

	/* TIME-WAIT: a FIN is acknowledged again, and so is text (RFC 9293
	 * fifth step: acknowledge, restart 2·MSL), but not a bare ACK at
	 * RCV.NXT (check_tcp_rfc.c); a SYN gets a challenge ACK (RFC 5961
	 * §4; reuse per RFC 6191 is not modelled). */
	{T(TIME_WAIT), K_SYN, IN, T(TIME_WAIT), ACK, 0},
	{T(TIME_WAIT), K_SYN, OUT, T(TIME_WAIT), ACK, 0},
	{T(TIME_WAIT), K_SYNACK, IN, T(TIME_WAIT), ACK, 0},
	{T(TIME_WAIT), K_SYNACK, OUT, T(TIME_WAIT), ACK, 0},
	{T(TIME_WAIT), K_ACK, IN, T(TIME_WAIT), NONE, 0},
	{T(TIME_WAIT), K_ACK, OUT, T(TIME_WAIT), ACK, 0},
	{T(TIME_WAIT), K_FIN, IN, T(TIME_WAIT), NONE, 0},
	{T(TIME_WAIT), K_FIN, OUT, T(TIME_WAIT), ACK, 0},
	{T(TIME_WAIT), K_FINACK, IN, T(TIME_WAIT), ACK, 0},
	{T(TIME_WAIT), K_FINACK, OUT, T(TIME_WAIT), ACK, 0},
	{T(TIME_WAIT), K_RST, IN, GONE, NONE, TCP_END_RESET},
	{T(TIME_WAIT), K_RST, OUT, T(TIME_WAIT), NONE, 0},
	{T(TIME_WAIT), K_RSTACK, IN, GONE, NONE, TCP_END_RESET},
	{T(TIME_WAIT), K_RSTACK, OUT, T(TIME_WAIT), NONE, 0},
	{T(TIME_WAIT), K_DATA, IN, T(TIME_WAIT), ACK, 0},
	{T(TIME_WAIT), K_DATA, OUT, T(TIME_WAIT), ACK, 0},
};

#define NCELLS ((int)(sizeof cells / sizeof cells[0]))

static const char *state_label(int s)
{
	switch (s) {
	case GONE:
		return "gone";
	case NO_TCB:
		return "no connection";
	case CHILD:
		return "LISTEN + a SYN-RECEIVED child";
	}
	return tcp_state_name(s);
}

static void open_in(struct th *h, int state)
{
	switch (state) {
	case TCP_CLOSED:
		break;
	case TCP_LISTEN:
		th_open_listen(h);
		break;
	case TCP_SYN_SENT:
		th_open_syn_sent(h);
		break;
	case TCP_SYN_RECEIVED:
		th_open_syn_received(h);
		break;
	case TCP_ESTABLISHED:
		th_open_established(h);
		break;
	case TCP_FIN_WAIT_1:
		th_open_fin_wait_1(h);
		break;
	case TCP_FIN_WAIT_2:
		th_open_fin_wait_2(h);
		break;
	case TCP_CLOSE_WAIT:
		th_open_close_wait(h);
		break;
	case TCP_CLOSING:
		th_open_closing(h);
		break;
	case TCP_LAST_ACK:
		th_open_last_ack(h);
		break;
	case TCP_TIME_WAIT:
		th_open_time_wait(h);
		break;
	default:
		ck_abort_msg("no way into state %d", state);
	}
}

START_TEST(test_each_state_each_segment_answered_as_the_table_says)
{
	const struct cell *cl = &cells[_i];
	char label[96];
	snprintf(label, sizeof label, "%s, %s %s the window",
		 tcp_state_name(cl->state), kinds[cl->kind].name,
		 cl->out ? "outside" : "in");

	struct th h;
	th_init(&h, NULL);
	open_in(&h, cl->state);
	struct tcp_conn *c = h.c;

	/* the segment */
	uint8_t flags = kinds[cl->kind].flags;
	uint32_t len = kinds[cl->kind].len;
	uint32_t seq, ack = 0, snd_nxt = 0, rcv_nxt = 0;
	uint16_t dport = 0;
	if (cl->state == TCP_CLOSED || cl->state == TCP_LISTEN) {
		dport = cl->state == TCP_CLOSED ? 81 : LOCAL_PORT;
		seq = cl->out ? PEER_ISS + 77777 : PEER_ISS;
		ack = 4242;
	} else if (cl->state == TCP_SYN_SENT) {
		snd_nxt = c->snd_nxt;
		seq = PEER_ISS;
		ack = cl->out ? h.iss + 1000 : h.iss + 1;
	} else {
		snd_nxt = c->snd_nxt;
		rcv_nxt = c->rcv_nxt;
		seq = cl->out ? rcv_nxt + c->rcv_wnd + 100 : rcv_nxt;
		ack = snd_nxt;
	}
	if (!(flags & A))
		ack = 0;
	uint32_t seg_end = seq + len + !!(flags & S) + !!(flags & F);
	th_in_full(&h, dport, flags, seq, ack, 65535, NULL, len);

	/* where it left the connection */
	struct tcp_conn *child = NULL;
	switch (cl->next) {
	case NO_TCB:
		ck_assert_msg(h.st->head == NULL, "%s: a connection appeared",
			      label);
		break;
	case GONE: {
		ck_assert_msg(!th_alive(&h, c), "%s: still %s, expected gone",
			      label, tcp_state_name(c->state));
		if (cl->state == TCP_SYN_RECEIVED) {
			/* back to LISTEN: the listener is all that is left */
			ck_assert_ptr_nonnull(h.st->head);
			ck_assert_int_eq(h.st->head->state, TCP_LISTEN);
			ck_assert_ptr_null(h.st->head->next);
		}
		if (cl->end == SILENT) {
			ck_assert_msg(h.nev == 0, "%s: the application was "
				      "told", label);
		} else {
			uint64_t end = 0;
			ck_assert_msg(th_events(&h, TCP_EV_CLOSED, &end) == 1,
				      "%s: the application was not told",
				      label);
			ck_assert_msg(end == (uint64_t)cl->end,
				      "%s: ended '%s', expected '%s'", label,
				      tcp_end_name((enum tcp_end)end),
				      tcp_end_name((enum tcp_end)cl->end));
		}
		break;
	}
	case CHILD:
		ck_assert_int_eq(c->state, TCP_LISTEN);
		child = h.st->tail;
		ck_assert_msg(child != c && child->state == TCP_SYN_RECEIVED,
			      "%s: no SYN-RECEIVED child", label);
		break;
	default:
		ck_assert_msg(th_alive(&h, c), "%s: gone, expected %s", label,
			      state_label(cl->next));
		ck_assert_msg((int)c->state == cl->next, "%s: now %s, expected %s",
			      label, tcp_state_name(c->state),
			      state_label(cl->next));
		if (cl->state == TCP_LISTEN)
			ck_assert_ptr_null(c->next); /* no child */
	}

	/* exactly these segments out */
	const struct answer_spec *an = &answers[cl->answer];
	int want_n = cl->answer != NONE && !an->delayed;
	ck_assert_msg(th_unchecked(&h) == want_n, "%s: %d segments out, "
		      "expected %d (first: %s)", label, th_unchecked(&h),
		      want_n, th_unchecked(&h) ? th_next(&h, 0)->why : "-");
	bool alive = cl->next >= 0 || cl->next == CHILD;
	if (alive && cl->next != TCP_LISTEN && cl->next != CHILD) {
		bool armed = evq_pending(&c->timer[TCP_T_DELACK]);
		ck_assert_msg(armed == (cl->answer != NONE && an->delayed),
			      "%s: delayed-ACK timer %s", label,
			      armed ? "armed" : "not armed");
		if (armed) {
			th_expect_none(&h);
			th_fire(&h, TCP_T_DELACK);
		}
	}
	if (cl->answer == NONE) {
		th_expect_none(&h);
		goto done;
	}
	uint32_t base[] = {
		[B_SND_NXT] = snd_nxt, [B_RCV_NXT] = rcv_nxt,
		[B_ISS] = h.iss,       [B_ZERO] = 0,
		[B_SEG_ACK] = ack,     [B_SEG_END] = seg_end,
		[B_CHILD_ISS] = child ? child->iss : 0,
	};
	/* from the port the segment came to, to the peer's */
	TH_EXPECT(&h, {.flags = an->flags,
		       .seq = base[an->seq] + (uint32_t)an->seq_off,
		       .ack = base[an->ack] + (uint32_t)an->ack_off,
		       .win = an->win, .mss = an->mss,
		       .sport = dport ? dport : h.lport, .dport = PEER_PORT});
done:
	th_fini(&h);
}
END_TEST

/* The table is whole: each of 11 states x 8 segments x 2 windows once. */
START_TEST(test_each_state_each_segment_has_one_row)
{
	int seen[TCP_TIME_WAIT + 1][K_DATA + 1][2];
	memset(seen, 0, sizeof seen);
	for (int i = 0; i < NCELLS; i++)
		seen[cells[i].state][cells[i].kind][cells[i].out]++;
	for (int st = 0; st <= TCP_TIME_WAIT; st++)
		for (int k = 0; k <= K_DATA; k++)
			for (int o = 0; o < 2; o++)
				ck_assert_msg(seen[st][k][o] == 1,
					      "%s, %s %s: %d rows",
					      tcp_state_name(st), kinds[k].name,
					      o ? "out" : "in", seen[st][k][o]);
	ck_assert_int_eq(NCELLS, 11 * 8 * 2);
}
END_TEST

Suite *tcp_table_suite(void)
{
	Suite *s = suite_create("tcp-table");
	TCase *tc = tcase_create("state x segment");
	tcase_add_test(tc, test_each_state_each_segment_has_one_row);
	tcase_add_loop_test(tc, test_each_state_each_segment_answered_as_the_table_says, 0, NCELLS);
	suite_add_tcase(s, tc);
	return s;
}
