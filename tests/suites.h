/* suites.h — every Check suite, for the one runner in check_main.c. */
#ifndef TCPSIM_TEST_SUITES_H
#define TCPSIM_TEST_SUITES_H

#include <check.h>

Suite *time_suite(void);
Suite *evq_suite(void);
Suite *rng_suite(void);
Suite *scenario_suite(void);
Suite *tcp_suite(void);
Suite *tcp_table_suite(void);
Suite *tcp_flow_suite(void);
Suite *tcp_conn_suite(void);
Suite *tcp_rfc_suite(void);
Suite *tcp_linux_suite(void);
Suite *tcp_freebsd_suite(void);
Suite *world_suite(void);
Suite *faults_suite(void);
Suite *apps_suite(void);
Suite *jsonl_suite(void);
Suite *tracecmp_suite(void);
Suite *csv_suite(void);
Suite *sweep_suite(void);
Suite *timeaxis_suite(void);
Suite *segment_suite(void);
Suite *tcp_options_suite(void);
Suite *pkt_suite(void);
Suite *pcap_suite(void);
Suite *tcp_icmp_suite(void);
Suite *tcp_ecn_suite(void);
Suite *routing_suite(void);
Suite *tcp_payload_suite(void);
Suite *ladder_suite(void);
Suite *explore_suite(void);
Suite *html_suite(void);

#endif
