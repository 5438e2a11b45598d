/* pages.h — a run of many hosts drawn as several pictures.
 *
 * A sequence diagram with a lifeline per host stops being readable, and
 * renderable, long before 50 hosts (mscgen drew a 20562 x 73592 pixel,
 * 114 MB PNG for 50). A run of more than PAGE_HOSTS hosts is therefore
 * drawn on pages of at most PAGE_HOSTS lifelines each, split by
 * conversation: every pair of hosts that exchanged segments is drawn on
 * one page, whole; pages are filled in the order conversations begin,
 * so a server talking to 49 clients is on every page with 7 of them. A
 * host that neither sends nor receives a segment is on no page. Each
 * page keeps the whole run's time span; a host's state changes go on
 * the page of the connection they belong to (a listener's, a crash, a
 * reboot on every page of the host), a link's outage on the pages with
 * both its ends.
 *
 * Page 1 is the picture asked for, page N (N >= 2) the same name with
 * "-N" before its extension: ladder.png, ladder-2.png, …
 */
#ifndef TCPSIM_PAGES_H
#define TCPSIM_PAGES_H

#include <stddef.h>

#include "sim/diagram/diagram.h"

#define PAGE_HOSTS 8

struct diag_page {
	int nhosts;
	int *hosts;          /* the run's host of each lifeline, in order */
	const char **names;  /* their names */
	struct diag d;       /* the page's items, hosts numbered as lifelines */
	char title[192];     /* "scenario, page K of N" when paged, else "" */
};

struct diag_pages {
	struct diag_page *p;
	size_t n;
	int of_hosts;        /* the run's hosts: 0 if it is not paged */
};

/* Split the record d of a run traced by tr into pages of at most `max`
 * hosts; a run of at most `max` hosts is one page of all of them (and
 * of_hosts 0). Returns 0, or -1 if memory runs out. */
int diag_paginate(const struct diag *d, const struct trace *tr, int max,
		  struct diag_pages *pg);
/* Free the pages. */
void diag_pages_free(struct diag_pages *pg);
/* The name of page k (0 for the first) of `path`, malloc'd; NULL if
 * memory runs out. */
char *diag_page_path(const char *path, size_t k);
/* tr as page p sees it, in view: its hosts only, and the scenario's
 * name followed by the page's number when the run is paged. */
void diag_page_trace(const struct diag_page *p, const struct trace *tr,
		     struct trace *view);
/* "drawn on N pages of at most M hosts each: A, B … Z", in buf, for a
 * paged run; "" otherwise. */
void diag_pages_note(const struct diag_pages *pg, const char *path,
		     char *buf, size_t n);

struct outfile;

/* Commit pictures out[0..n) (outfile.h); 0, or -1 with why in err. */
int diag_pages_commit(struct outfile *out, size_t n, char *err, size_t en);
/* Abort them, and free the array. */
void diag_pages_abort(struct outfile *out, size_t n);

#endif
