/* check_tcp_payload.c — payloads by reference (segment.h, tcp_send_ref):
 * a sender's buffer that is a window on its application's stream puts
 * references on the wire, a receiver's buffer fed only references holds
 * no bytes and reads them back as a reference, and anything else (bytes,
 * a stretch of another offset) turns the buffer into bytes without
 * changing one of them. As in check_tcp.c: a connection in a state,
 * segments in, these segments out; here the payloads are what is looked
 * at. */
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"

#include "tcp_shorthand.h"
#define MSS 1460

/* A stream whose byte i is a function of i; it counts how often it is
 * asked for bytes. */
struct test_src {
	struct tcp_src base;
	int fills;
	uint8_t salt;
};

static uint8_t src_byte(const struct test_src *t, uint64_t i)
{
	return (uint8_t)((i * 131 + 17) ^ t->salt);
}

static void test_fill(const struct tcp_src *src, uint64_t off, uint32_t n,
		      uint8_t *out)
{
	struct test_src *t = (struct test_src *)(void *)src;
	t->fills++;
	for (uint32_t i = 0; i < n; i++)
		out[i] = src_byte(t, off + i);
}

static struct test_src stream_a = {{test_fill}, 0, 0};
static struct test_src stream_b = {{test_fill}, 0, 0x5a};

/* An ESTABLISHED connection (active open), the streams' counts at 0. */
static void start(struct th *h)
{
	th_init(h, NULL);
	stream_a.fills = stream_b.fills = 0;
	th_open_established(h);
}

/* Received bytes [at, at + n) are the stream's [off, off + n). */
static void assert_rx(const struct th *h, uint32_t at,
		      const struct test_src *t, uint64_t off, uint32_t n)
{
	ck_assert_uint_ge(h->nrx, at + n);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_msg(h->rx[at + i] == src_byte(t, off + i),
			      "byte %u wrong", at + i);
}

/* The next unchecked segment: data from seq with len bytes of stream t
 * from off, by reference or not. */
static void assert_data_seg(struct th *h, int i, uint32_t seq, uint32_t len,
			    const struct test_src *t, uint64_t off, bool ref)
{
	const struct th_seg *o = th_next(h, i);
	ck_assert_uint_eq(o->seg.seq, seq);
	ck_assert_uint_eq(o->seg.len, len);
	ck_assert(o->ref == ref);
	if (ref) {
		ck_assert_ptr_eq(o->seg.src, &t->base);
		ck_assert_uint_eq(o->seg.src_off, off);
	}
	for (uint32_t k = 0; k < len; k++)
		ck_assert_msg(o->data[k] == src_byte(t, off + k),
			      "payload byte %u wrong", k);
}

/* RFC 9293 §3.10.2 SEND, by reference: the segments carry stretches of
 * the stream at their offsets, and the send buffer allocates nothing. */
START_TEST(test_send_by_reference_puts_references_on_the_wire)
{
	struct th h;
	start(&h);
	ck_assert_int_eq(tcp_send_ref(h.c, &stream_a.base, 0, 2 * MSS),
			 2 * MSS);
	ck_assert_int_eq(th_unchecked(&h), 2);
	assert_data_seg(&h, 0, ISS + 1, MSS, &stream_a, 0, true);
	assert_data_seg(&h, 1, ISS + 1 + MSS, MSS, &stream_a, MSS, true);
	th_checked(&h, 2);
	ck_assert_uint_eq(h.c->sb.size, 0);
	/* the peer ACKs the first: the buffer's window moves on with it */
	th_in(&h, A, PEER_ISS + 1, ISS + 1 + MSS, 0);
	ck_assert_uint_eq(h.c->sb.src_off, MSS);
	ck_assert_uint_eq(h.c->sb.len, MSS);
	th_expect_none(&h);
	/* the RTO: the first unacknowledged goes again, the same stretch */
	th_fire(&h, TCP_T_REXMT);
	assert_data_seg(&h, 0, ISS + 1 + MSS, MSS, &stream_a, MSS, true);
	th_checked(&h, 1);
	th_in(&h, A, PEER_ISS + 1, ISS + 1 + 2 * MSS, 0);
	th_expect_none(&h);
	ck_assert_uint_eq(h.c->sb.len, 0);
	ck_assert_uint_eq(h.c->sb.size, 0);
	th_fini(&h);
}
END_TEST

/* Segments that carry one stream at its own offsets, in order or not,
 * retransmitted or not, are held as a window on it: no bytes allocated,
 * none read, and a read by reference says where they are. */
START_TEST(test_receive_by_reference_holds_no_bytes)
{
	struct th h;
	start(&h);
	h.no_read = true;
	uint32_t p = PEER_ISS + 1;
	th_in_ref(&h, A, p, ISS + 1, &stream_a.base, 0, 1000);
	th_in_ref(&h, A, p + 2000, ISS + 1, &stream_a.base, 2000, 1000);
	th_in_ref(&h, A, p + 500, ISS + 1, &stream_a.base, 500, 1000);
	th_in_ref(&h, A, p + 1500, ISS + 1, &stream_a.base, 1500, 500);
	ck_assert_uint_eq(h.c->rcv_nxt, p + 3000);
	/* the ACK of what is expected for the out-of-order segment, none
	 * yet for the overlap (delayed), and the ACK of the filled gap; the
	 * window shrinks by what is held unread */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = p + 1000,
		       .win = WIN - 1000},
		  {.flags = A, .seq = ISS + 1, .ack = p + 3000,
		   .win = WIN - 3000});
	ck_assert_uint_eq(h.c->rb.size, 0);
	ck_assert(tcp_unread_is_ref(h.c));
	const struct tcp_src *src;
	uint64_t off;
	ck_assert_uint_eq(tcp_read_ref(h.c, NULL, 2500, &src, &off), 2500);
	ck_assert_ptr_eq(src, &stream_a.base);
	ck_assert_uint_eq(off, 0);
	ck_assert_uint_eq(tcp_read_ref(h.c, NULL, 2500, &src, &off), 500);
	ck_assert_ptr_eq(src, &stream_a.base);
	ck_assert_uint_eq(off, 2500);
	ck_assert_int_eq(stream_a.fills, 0);
	/* all of it read: the window opens again (RFC 1122 §4.2.3.3) */
	th_expect_ack(&h, ISS + 1, p + 3000, WIN);
	th_fini(&h);
}
END_TEST

/* A read of bytes from a window on a stream writes them out. */
START_TEST(test_read_of_bytes_from_a_reference_writes_them_out)
{
	struct th h;
	start(&h);
	th_in_ref(&h, A | P, PEER_ISS + 1, ISS + 1, &stream_a.base, 7, 1200);
	ck_assert_uint_eq(h.nrx, 1200);
	assert_rx(&h, 0, &stream_a, 7, 1200);
	th_expect_none(&h); /* its ACK is delayed */
	th_fini(&h);
}
END_TEST

/* Bytes that arrive (an injected segment) beside data held by reference
 * turn the buffer into bytes: what was held is written out first, out of
 * order data included, and everything reads back as it came. */
START_TEST(test_bytes_beside_references_turn_the_buffer_into_bytes)
{
	struct th h;
	start(&h);
	h.no_read = true;
	uint32_t p = PEER_ISS + 1;
	th_in_ref(&h, A, p, ISS + 1, &stream_a.base, 0, 1000);
	th_in_ref(&h, A, p + 1500, ISS + 1, &stream_a.base, 1500, 500);
	ck_assert_uint_eq(h.c->rb.size, 0);
	uint8_t mine[500];
	for (int i = 0; i < 500; i++)
		mine[i] = (uint8_t)(255 - i);
	th_in_full(&h, 0, A, p + 1000, ISS + 1, 65535, mine, 500);
	ck_assert_uint_eq(h.c->rcv_nxt, p + 2000);
	ck_assert(!tcp_unread_is_ref(h.c));
	ck_assert_uint_gt(h.c->rb.size, 0);
	h.no_read = false;
	uint8_t got[2000];
	ck_assert_uint_eq(tcp_read(h.c, got, sizeof got), 2000);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(got[i], src_byte(&stream_a, (uint64_t)i));
	ck_assert_int_eq(memcmp(got + 1000, mine, 500), 0);
	for (int i = 1500; i < 2000; i++)
		ck_assert_uint_eq(got[i], src_byte(&stream_a, (uint64_t)i));
	/* the ACK for the out-of-order segment, then for the gap
	 * filled: at once both (RFC 5681 §4.2) */
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = p + 1000,
		       .win = WIN - 1000},
		  {.flags = A, .seq = ISS + 1, .ack = p + 2000,
		   .win = WIN - 2000});
	th_fini(&h);
}
END_TEST

/* A reference to another stretch (another offset, another stream) than
 * the one the buffer is a window on is taken as the bytes it names. */
START_TEST(test_reference_elsewhere_is_taken_as_its_bytes)
{
	struct th h;
	start(&h);
	uint32_t p = PEER_ISS + 1;
	th_in_ref(&h, A, p, ISS + 1, &stream_a.base, 0, 1000);
	th_in_ref(&h, A, p + 1000, ISS + 1, &stream_a.base, 5000, 1000);
	th_in_ref(&h, A | P, p + 2000, ISS + 1, &stream_b.base, 2000, 1000);
	ck_assert_uint_eq(h.nrx, 3000);
	assert_rx(&h, 0, &stream_a, 0, 1000);
	assert_rx(&h, 1000, &stream_a, 5000, 1000);
	assert_rx(&h, 2000, &stream_b, 2000, 1000);
	/* every second segment ACKed; the third's ACK delayed */
	th_expect_ack(&h, ISS + 1, p + 2000, WIN);
	th_fini(&h);
}
END_TEST

/* A first segment whose stretch lies less far into its stream than into
 * the buffer (out of order at 3000, the stream's byte 1000) cannot make
 * the buffer a window on that stream: it is held as bytes, and the bytes
 * that fill the gap later join them. */
START_TEST(test_reference_before_its_offset_is_held_as_bytes)
{
	struct th h;
	start(&h);
	h.no_read = true;
	uint32_t p = PEER_ISS + 1;
	th_in_ref(&h, A, p + 3000, ISS + 1, &stream_a.base, 1000, 500);
	ck_assert_ptr_null(h.c->rb.src);
	uint8_t mine[3000];
	for (int i = 0; i < 3000; i++)
		mine[i] = (uint8_t)(i * 7);
	th_in_full(&h, 0, A, p, ISS + 1, 65535, mine, 3000);
	ck_assert_uint_eq(h.c->rcv_nxt, p + 3500);
	uint8_t got[3500];
	ck_assert_uint_eq(tcp_read(h.c, got, sizeof got), 3500);
	ck_assert_int_eq(memcmp(got, mine, 3000), 0);
	for (int i = 0; i < 500; i++)
		ck_assert_uint_eq(got[3000 + i],
				  src_byte(&stream_a, (uint64_t)(1000 + i)));
	TH_EXPECT(&h, {.flags = A, .seq = ISS + 1, .ack = p, .win = WIN},
		  {.flags = A, .seq = ISS + 1, .ack = p + 3500,
		   .win = WIN - 3500},
		  {.flags = A, .seq = ISS + 1, .ack = p + 3500,
		   .win = WIN});
	th_fini(&h);
}
END_TEST

/* An application that writes bytes after writing by reference: the send
 * buffer becomes bytes, and every segment, a retransmission of what was
 * sent by reference included, carries what was written. */
START_TEST(test_send_bytes_after_references)
{
	struct th h;
	start(&h);
	ck_assert_int_eq(tcp_send_ref(h.c, &stream_a.base, 100, 2 * MSS),
			 2 * MSS);
	assert_data_seg(&h, 0, ISS + 1, MSS, &stream_a, 100, true);
	assert_data_seg(&h, 1, ISS + 1 + MSS, MSS, &stream_a, 100 + MSS, true);
	th_checked(&h, 2);
	uint8_t mine[100];
	memset(mine, 0xee, sizeof mine);
	/* Nagle holds the small segment back while data is unacknowledged */
	ck_assert_int_eq(tcp_send(h.c, mine, sizeof mine), 100);
	th_expect_none(&h);
	ck_assert_ptr_null(h.c->sb.src);
	th_fire(&h, TCP_T_REXMT);
	assert_data_seg(&h, 0, ISS + 1, MSS, &stream_a, 100, false);
	th_checked(&h, 1);
	th_in(&h, A, PEER_ISS + 1, ISS + 1 + 2 * MSS, 0);
	const struct th_seg *o = th_next(&h, 0);
	ck_assert_uint_eq(o->seg.seq, ISS + 1 + 2 * MSS);
	ck_assert_uint_eq(o->seg.len, 100);
	ck_assert(!o->ref);
	ck_assert_int_eq(memcmp(o->data, mine, 100), 0);
	th_checked(&h, 1);
	th_in(&h, A, PEER_ISS + 1, ISS + 1 + 2 * MSS + 100, 0);
	th_expect_none(&h);
	th_fini(&h);
}
END_TEST

Suite *tcp_payload_suite(void)
{
	Suite *s = suite_create("tcp_payload");
	TCase *tc = tcase_create("payload");
	tcase_add_test(tc, test_send_by_reference_puts_references_on_the_wire);
	tcase_add_test(tc, test_receive_by_reference_holds_no_bytes);
	tcase_add_test(tc, test_read_of_bytes_from_a_reference_writes_them_out);
	tcase_add_test(tc,
		       test_bytes_beside_references_turn_the_buffer_into_bytes);
	tcase_add_test(tc, test_reference_elsewhere_is_taken_as_its_bytes);
	tcase_add_test(tc, test_send_bytes_after_references);
	tcase_add_test(tc, test_reference_before_its_offset_is_held_as_bytes);
	suite_add_tcase(s, tc);
	return s;
}
