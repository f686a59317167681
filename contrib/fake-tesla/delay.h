/*
 * delay: resumes suspended HTTP connections when their added latency is
 * over, so a latency fault never blocks a server thread.
 *
 * Contract: one queue and one thread per server. delay_queue_add() is
 * called from a request thread right after MHD_suspend_connection(); the
 * queue's thread calls MHD_resume_connection() when the time is up.
 * delay_queue_stop() resumes every connection still waiting (libmicrohttpd
 * requires that before the daemon stops) and joins the thread.
 */
#ifndef FAKE_TESLA_DELAY_H
#define FAKE_TESLA_DELAY_H

#include <stdbool.h>

struct MHD_Connection;
struct delay_queue;

struct delay_queue *delay_queue_start(void);
bool delay_queue_add(struct delay_queue *queue, struct MHD_Connection *connection,
                     long delay_ms);
void delay_queue_stop(struct delay_queue *queue);

#endif
