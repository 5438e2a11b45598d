/* check_main.c — run every suite; exit non-zero if any test failed.
 *
 * CK_RUN_SUITE / CK_RUN_CASE select tests as Check documents; CK_FORK=no
 * runs in one process (for valgrind). */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(time_suite());
	srunner_add_suite(sr, evq_suite());
	srunner_add_suite(sr, rng_suite());
	srunner_add_suite(sr, scenario_suite());
	srunner_add_suite(sr, tcp_suite());
	srunner_add_suite(sr, tcp_table_suite());
	srunner_add_suite(sr, tcp_flow_suite());
	srunner_add_suite(sr, tcp_conn_suite());
	srunner_add_suite(sr, tcp_rfc_suite());
	srunner_add_suite(sr, tcp_linux_suite());
	srunner_add_suite(sr, tcp_freebsd_suite());
	srunner_add_suite(sr, world_suite());
	srunner_add_suite(sr, faults_suite());
	srunner_add_suite(sr, apps_suite());
	srunner_add_suite(sr, jsonl_suite());
	srunner_add_suite(sr, tracecmp_suite());
	srunner_add_suite(sr, csv_suite());
	srunner_add_suite(sr, sweep_suite());
	srunner_add_suite(sr, timeaxis_suite());
	srunner_add_suite(sr, segment_suite());
	srunner_add_suite(sr, tcp_options_suite());
	srunner_add_suite(sr, pkt_suite());
	srunner_add_suite(sr, pcap_suite());
	srunner_add_suite(sr, tcp_icmp_suite());
	srunner_add_suite(sr, tcp_ecn_suite());
	srunner_add_suite(sr, routing_suite());
	srunner_add_suite(sr, tcp_payload_suite());
	srunner_add_suite(sr, ladder_suite());
	srunner_add_suite(sr, explore_suite());
	srunner_add_suite(sr, html_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
