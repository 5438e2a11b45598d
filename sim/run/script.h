/* script.h — the actions of a scenario that belong to a host rather than
 * to a socket: inject a crafted segment, crash, reboot.
 *
 * The applications (models/app.h) run every action of a host's list, at
 * its time or on its event; those three they hand to the script, which
 * the world owns and wires to every application (app_set_host_action).
 * An injection reaches another host's connections (its sequence numbers
 * may be taken from the receiving connection), so the script knows every
 * host of the run.
 */
#ifndef TCPSIM_SCRIPT_H
#define TCPSIM_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "models/app.h"
#include "models/host.h"

struct script {
	struct host *hosts;     /* every host of the run, by index */
	size_t nhosts;
	uint8_t *buf;           /* an injected segment's payload */
	uint32_t bufcap;
};

/* Start a script over these hosts (kept by reference). */
void script_init(struct script *sc, struct host *hosts, size_t nhosts);
/* Free its buffer. */
void script_fini(struct script *sc);
/* Carry out act for the application a (an app_host_action_fn: ctx is
 * the struct script). */
void script_host_action(void *ctx, struct app *a,
			const struct app_action *act);

#endif
